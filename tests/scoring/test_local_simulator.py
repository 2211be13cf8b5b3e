"""Both in-process simulators turn missing or broken model files into a permanent error
(retrying cannot help), through the base class they share."""

from __future__ import annotations

import pytest

from scoring.base import PermanentScoringError
from scoring.records import build_scoring_input
from scoring.scorers.contextual_simulation import ContextualSimulator
from scoring.scorers.offline_simulation import OfflineSimulator


class _MissingFiles:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise OSError("model.safetensors: no such file")
        return fail


def _input():
    return build_scoring_input(
        explanation="the word cat",
        top=[([" the", " cat", " sat"], [0.0, 5.0, 0.0])],
        random=[([" a", " dog", " ran"], [0.0, 0.0, 0.0])],
    )


@pytest.mark.parametrize("make", [
    lambda: ContextualSimulator(encoder=_MissingFiles(), embedder=_MissingFiles()),
    lambda: OfflineSimulator(embedder=_MissingFiles()),
], ids=["contextual-simulation", "offline-simulation"])
def test_missing_model_files_are_a_permanent_error_that_names_the_cause(make):
    with pytest.raises(PermanentScoringError, match="embedding model unavailable: model.safetensors"):
        make().score(_input())
