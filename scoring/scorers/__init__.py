"""Importing this package registers every built-in scorer (one module each)."""

from scoring.scorers import (  # noqa: F401
    contextual_simulation,
    embedding,
    llm_detection,
    llm_fuzzing,
    llm_simulation,
    offline_simulation,
)
