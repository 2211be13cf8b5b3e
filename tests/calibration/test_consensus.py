"""Weighted consensus over a feature's explanations, the plain majority, and retirement."""

from __future__ import annotations

import math
import random

import pytest

from calibration.consensus import Ballot, Verdict, majority, should_retire, weighted_consensus
from calibration.reliability import Reliability, vote_weight

RELIABLE = Reliability(34, 40)  # measured at ~0.82
CARELESS = Reliability(10, 40)  # measured at chance among 4
ADVERSARIAL = Reliability(1, 40)  # measured far below chance


def test_no_evidence_is_uniform_and_undecided():
    v = weighted_consensus(4, [])
    assert v.best is None
    assert v.posterior == pytest.approx((0.25,) * 4)
    assert v.reason.startswith("Open")


def test_unanimous_reliable_votes_give_high_confidence():
    v = weighted_consensus(4, [Ballot(2, RELIABLE)] * 5)
    assert v.best == 2
    assert v.confidence > 0.99
    assert sum(v.posterior) == pytest.approx(1.0)
    assert v.reason.startswith("Settled") and "5 weighted votes" in v.reason


def test_adversarial_vote_lowers_the_posterior_of_its_option():
    scores = [0.4, 0.3, 0.2, 0.1]
    before = weighted_consensus(4, [Ballot(0, RELIABLE)], scores)
    after = weighted_consensus(4, [Ballot(0, RELIABLE), Ballot(1, ADVERSARIAL)], scores)
    assert after.posterior[1] < before.posterior[1]
    # ... and the evidence against option 1 flows to the others.
    assert after.posterior[0] > before.posterior[0]


def test_adversarial_votes_cannot_carry_an_option():
    """Three adversarial votes for option 3 against two reliable ones for option 0: the plain
    majority is fooled, the weighted consensus is not."""
    ballots = [Ballot(3, ADVERSARIAL)] * 3 + [Ballot(0, RELIABLE)] * 2
    assert majority(4, ballots) == 3
    v = weighted_consensus(4, ballots)
    assert v.best == 0
    assert v.posterior[3] == min(v.posterior)


def test_careless_votes_barely_move_the_posterior():
    careless = weighted_consensus(4, [Ballot(1, CARELESS)] * 3)
    reliable = weighted_consensus(4, [Ballot(1, RELIABLE)] * 3)
    assert careless.posterior[1] < 0.35 < 0.95 < reliable.posterior[1]
    assert not careless.reason.startswith("Settled")


def test_posterior_matches_the_likelihood_model():
    """P(vote = j | t) = p if j == t else (1 - p) / (k - 1), times a softmax prior."""
    k, temp = 3, 0.2
    scores = [0.5, 0.1, -0.2]
    ballots = [Ballot(1, Reliability(7, 10)), Ballot(2, Reliability(3, 10)), Ballot(1, Reliability(1, 1))]
    unnorm = []
    for t in range(k):
        log_p = scores[t] / temp
        for b in ballots:
            p = b.reliability.mean
            log_p += math.log(p if b.option == t else (1 - p) / (k - 1))
        unnorm.append(math.exp(log_p))
    expected = [u / sum(unnorm) for u in unnorm]
    v = weighted_consensus(k, ballots, scores, score_temperature=temp)
    assert v.posterior == pytest.approx(expected, rel=1e-9)


def test_scores_set_the_prior_and_missing_scores_are_neutral():
    v = weighted_consensus(4, [], [0.6, 0.2, 0.1, 0.1], score_temperature=0.1)
    assert v.best == 0 and v.posterior[0] > 0.9
    assert "score alone" in v.reason
    assert weighted_consensus(4, [], [None] * 4).posterior == pytest.approx((0.25,) * 4)
    partial = weighted_consensus(4, [], [0.5, None, 0.1, 0.3])
    assert partial.posterior[1] == pytest.approx(partial.posterior[3])  # filled with the mean, 0.3


def test_reliable_votes_overturn_a_mistaken_score():
    scores = [0.45, 0.30, 0.10, 0.05]
    v = weighted_consensus(4, [Ballot(1, RELIABLE)] * 3, scores)
    assert v.best == 1
    assert "over the score's pick, option 0" in v.reason


def test_many_confident_votes_do_not_overflow():
    v = weighted_consensus(4, [Ballot(0, Reliability(10_000, 10_000))] * 2000)
    assert v.best == 0 and math.isfinite(v.confidence) and v.confidence == pytest.approx(1.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        weighted_consensus(4, [Ballot(4, RELIABLE)])
    with pytest.raises(ValueError):
        weighted_consensus(4, [], [0.1, 0.2])
    with pytest.raises(ValueError):
        weighted_consensus(1, [])


def test_tie_leaves_best_open():
    v = weighted_consensus(4, [Ballot(0, RELIABLE), Ballot(1, RELIABLE)])
    assert v.best is None
    assert v.posterior[0] == pytest.approx(v.posterior[1])
    assert v.reason.startswith("Open: options 0 and 1 are tied")


def test_majority_plurality_and_random_ties():
    assert majority(4, []) is None
    assert majority(4, [1, 1, 2]) == 1
    assert majority(3, [Ballot(2, ADVERSARIAL), Ballot(2, ADVERSARIAL), Ballot(0, RELIABLE)]) == 2
    picks = {majority(4, [0, 3], random.Random(seed)) for seed in range(40)}
    assert picks == {0, 3}
    assert majority(4, [0, 3], random.Random(5)) == majority(4, [0, 3], random.Random(5))


def test_should_retire():
    sure = Verdict(best=0, confidence=0.97, posterior=(0.97, 0.01, 0.01, 0.01), reason="")
    unsure = Verdict(best=0, confidence=0.6, posterior=(0.6, 0.2, 0.1, 0.1), reason="")
    tied = Verdict(best=None, confidence=0.5, posterior=(0.5, 0.5), reason="")
    assert should_retire(sure, 3)
    assert not should_retire(unsure, 3)
    assert should_retire(unsure, 15)
    assert not should_retire(tied, 14)
    assert not should_retire(sure, 3, confidence=0.99)
    # A confident prior alone (no or one answer) does not settle a feature.
    assert not should_retire(sure, 0) and not should_retire(sure, 1)
    assert should_retire(sure, 1, min_answers=1)


def test_weights_used_are_the_vote_weights():
    """Each vote shifts the log-odds of its option by exactly its `vote_weight`."""
    v0 = weighted_consensus(4, [Ballot(0, RELIABLE)])
    v1 = weighted_consensus(4, [Ballot(0, RELIABLE), Ballot(2, CARELESS)])
    shift = math.log(v1.posterior[2] / v1.posterior[1]) - math.log(v0.posterior[2] / v0.posterior[1])
    assert shift == pytest.approx(vote_weight(CARELESS, 4))
