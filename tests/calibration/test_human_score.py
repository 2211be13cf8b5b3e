"""The human simulation score: players mark where a feature fires from one explanation."""

from __future__ import annotations

import math
import random

import pytest

from calibration.human_score import HumanScore, aggregate, snippet_balanced_accuracy, token_correlation


def _snippets(rng: random.Random, n: int = 16, length: int = 12) -> list[list[float]]:
    """Half the snippets fire on a few tokens (activations 0.5..1); the rest never fire."""
    out = []
    for s in range(n):
        values = [0.0] * length
        if s % 2 == 0:
            for t in rng.sample(range(length), rng.randint(1, 3)):
                values[t] = rng.uniform(0.5, 1.0)
        out.append(values)
    return out


def _player_marks(activations: list[list[float]], error: float, rng: random.Random) -> list[list[bool]]:
    """A player who follows the explanation: each token marked correctly with prob 1 - error."""
    return [[(v > 0) != (rng.random() < error) for v in snippet] for snippet in activations]


def _human_score(error: float, seed: int, players: int = 30) -> HumanScore:
    rng = random.Random(seed)
    activations = _snippets(rng)
    return aggregate([token_correlation(_player_marks(activations, error, rng), activations) for _ in range(players)])


def test_human_score_falls_as_players_err_more():
    scores = [_human_score(e, seed=1) for e in (0.0, 0.1, 0.3, 0.5)]
    means = [s.value for s in scores]
    assert all(a > b for a, b in zip(means, means[1:])), means
    assert means[0] > 0.8  # a faithful reading of a good explanation
    assert abs(means[-1]) < 3 * scores[-1].stderr + 0.02  # coin-flip marks: nothing
    # The gaps are real, not noise: each step exceeds the combined standard error several times.
    for a, b in zip(scores, scores[1:]):
        assert a.value - b.value > 3 * math.hypot(a.stderr or 0.0, b.stderr)
    assert all(s.players == 30 for s in scores)


def test_snippet_accuracy_falls_as_players_err_more():
    rng = random.Random(5)
    firing = [i % 2 == 0 for i in range(20)]
    means = []
    for error in (0.0, 0.1, 0.3, 0.5):
        per_player = [snippet_balanced_accuracy([f != (rng.random() < error) for f in firing], firing)
                      for _ in range(200)]
        means.append(aggregate(per_player).value)
    assert means[0] == 1.0
    assert all(a > b for a, b in zip(means, means[1:])), means
    assert means[-1] == pytest.approx(0.5, abs=0.03)


def test_balanced_accuracy_values():
    firing = [True, True, False, False, False, False]
    assert snippet_balanced_accuracy([True, True, False, False, False, False], firing) == 1.0
    assert snippet_balanced_accuracy([True] * 6, firing) == 0.5  # marking everything earns chance
    assert snippet_balanced_accuracy([False] * 6, firing) == 0.5
    assert snippet_balanced_accuracy([True, False, True, False, False, False], firing) == pytest.approx(0.625)
    assert snippet_balanced_accuracy([True, False], [True, True]) is None  # one class only
    with pytest.raises(ValueError):
        snippet_balanced_accuracy([True], firing)


def test_token_correlation_values():
    acts = [[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]
    assert token_correlation([[False, True, False], [False, False, True]], acts) == pytest.approx(0.9258, abs=1e-4)
    assert token_correlation([[True, False, True], [True, True, False]], acts) < 0
    assert token_correlation([[False] * 3, [False] * 3], acts) is None  # marked nothing
    assert token_correlation([[True, False]], [[0.0, 0.0]]) is None  # feature never varies
    assert token_correlation([], []) is None
    with pytest.raises(ValueError):
        token_correlation([[True]], [[1.0, 0.0]])


def test_aggregate():
    assert aggregate([]) == HumanScore(None, None, 0)
    assert aggregate([None, 0.4]) == HumanScore(0.4, None, 1)
    agg = aggregate([0.2, 0.4, None, 0.6])
    assert agg.value == pytest.approx(0.4)
    assert agg.stderr == pytest.approx(0.2 / math.sqrt(3))
    assert agg.players == 3
