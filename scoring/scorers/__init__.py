"""Importing this package registers every built-in scorer (one module each)."""

from scoring.scorers import embedding, llm_detection, llm_fuzzing, llm_simulation, offline_simulation  # noqa: F401
