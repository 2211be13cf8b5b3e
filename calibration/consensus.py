"""Which explanation of a feature is best: reliability-weighted votes on top of the scorer.

The model (SWAP's, with one accuracy per player instead of a full confusion matrix): a player
of accuracy p picks the true option with probability p and each of the k - 1 others with
probability (1 - p) / (k - 1). The posterior over which option is true is

    P(t) ∝ prior(t) × Π_votes P(vote | t),

and since P(vote = j | t) only depends on whether j == t, each vote simply adds its
`vote_weight` (the log-likelihood ratio) to the log-odds of the option it chose. The prior is
a softmax of the automatic scorer's scores, so a feature with no votes yet already leans
towards the best-scored explanation, and votes can overturn it.

`majority` is the plain plurality vote the weighted consensus is measured against.
`should_retire` says when a feature has enough answers, as Zooniverse retires subjects.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from calibration.reliability import Reliability, vote_weight

# Scores are Pearson correlations in [-1, 1]; an option scoring 0.1 higher than another gets
# prior odds of exp(0.1 / T) against it. T = 0.075 is the maximum-likelihood temperature of
# "the true explanation is the one the softmax picks" on the tune split of the human-written
# validity set (human explanation against its neighbour's, its decoy and another feature's;
# `bench/consensus.py --fit-temperature`). A gap of 0.1 is worth odds of ~3.8, about one
# vote of a player measured at 0.55 accuracy among 4 options: the scorer leans, a couple of
# reliable players overrule it.
SCORE_TEMPERATURE = 0.075

# A posterior this confident is reported as settled (and `should_retire` retires on it).
SETTLED = 0.95


@dataclass(frozen=True)
class Ballot:
    """One player's vote: the index of the option they chose, and how far they can be trusted."""

    option: int
    reliability: Reliability


@dataclass(frozen=True)
class Verdict:
    """The decision on a feature.

    `best` is None when nothing singles out one option (no votes and no scores, or a tie at
    the top); `confidence` is then the tied options' shared probability.
    """

    best: int | None
    confidence: float
    posterior: tuple[float, ...]
    reason: str


def score_prior(n_options: int, scores: Sequence[float | None] | None, temperature: float) -> list[float]:
    """Log prior (unnormalised) over the options from the scorer's scores.

    A softmax with `temperature`; with no scores at all it is uniform. An option the scorer
    could not score gets the mean of the others' scores: missing says nothing either way.
    """
    if scores is None:
        return [0.0] * n_options
    if len(scores) != n_options:
        raise ValueError(f"{len(scores)} scores for {n_options} options")
    if temperature <= 0:
        raise ValueError("score_temperature must be positive")
    known = [s for s in scores if s is not None and math.isfinite(s)]
    if not known:
        return [0.0] * n_options
    fill = sum(known) / len(known)
    return [(s if s is not None and math.isfinite(s) else fill) / temperature for s in scores]


def weighted_consensus(
    n_options: int,
    ballots: Sequence[Ballot],
    scores: Sequence[float | None] | None = None,
    *,
    score_temperature: float = SCORE_TEMPERATURE,
) -> Verdict:
    """The posterior over which option is true, from the scorer's prior and weighted votes.

    Every vote adds `vote_weight(reliability, n_options)` to the log-odds of its option (in
    log space throughout, so many confident votes cannot overflow).
    """
    if n_options < 2:
        raise ValueError("a consensus needs at least two options")
    log_post = score_prior(n_options, scores, score_temperature)
    for ballot in ballots:
        if not 0 <= ballot.option < n_options:
            raise ValueError(f"vote for option {ballot.option} of {n_options}")
        log_post[ballot.option] += vote_weight(ballot.reliability, n_options)
    top = max(log_post)
    weights = [math.exp(v - top) for v in log_post]
    total = sum(weights)
    posterior = tuple(w / total for w in weights)

    confidence = max(posterior)
    leaders = [i for i, p in enumerate(posterior) if math.isclose(p, confidence, rel_tol=1e-9, abs_tol=1e-15)]
    best = leaders[0] if len(leaders) == 1 else None
    return Verdict(best, confidence, posterior, _reason(best, leaders, confidence, ballots, scores))


def _reason(best: int | None, leaders: list[int], confidence: float, ballots: Sequence[Ballot],
            scores: Sequence[float | None] | None) -> str:
    """One sentence saying what the verdict rests on."""
    known = [(s, i) for i, s in enumerate(scores or ()) if s is not None and math.isfinite(s)]
    if not ballots and not known:
        return "Open: no votes and no scores yet."
    if best is None:
        tied = ", ".join(str(i) for i in leaders[:-1]) + f" and {leaders[-1]}"
        return f"Open: options {tied} are tied (probability {confidence:.2f} each)."

    n = len(ballots)
    backing = sum(b.option == best for b in ballots)
    if backing == n:
        votes = f"{n} weighted vote{'s' if n > 1 else ''}"
    else:
        votes = f"{backing} of {n} weighted votes"
    pick = max(known, key=lambda si: si[0])[1] if known else None

    plural = "s" if n > 1 else ""
    if n == 0:
        evidence = f"the score alone favours option {best}"
    elif backing == 0 and pick == best:
        evidence = f"the score favours option {best} and {n} vote{plural} for other options do not overturn it"
    elif backing == 0:
        # Nothing backs it: the votes came from below-chance players and count against the others.
        evidence = f"no vote backs option {best}, but {n} distrusted vote{plural} count against the others"
    elif pick is None:
        evidence = f"{votes} favour option {best}"
    elif pick == best:
        evidence = f"{votes} and the score {'agree on' if backing == n else 'favour'} option {best}"
    else:
        evidence = f"{votes} favour option {best} over the score's pick, option {pick}"
    state = "Settled" if confidence >= SETTLED else "Leaning"
    return f"{state}: {evidence} (confidence {confidence:.2f})."


def majority(n_options: int, ballots: Sequence[Ballot | int], rng: random.Random | None = None) -> int | None:
    """Plain plurality vote, every player equal; ties broken at random (None with no votes).

    Ballots may be `Ballot`s (their reliability is ignored) or bare option indices.
    """
    counts = [0] * n_options
    for ballot in ballots:
        option = ballot.option if isinstance(ballot, Ballot) else int(ballot)
        if not 0 <= option < n_options:
            raise ValueError(f"vote for option {option} of {n_options}")
        counts[option] += 1
    if not ballots:
        return None
    top = max(counts)
    leaders = [i for i, c in enumerate(counts) if c == top]
    if len(leaders) == 1:
        return leaders[0]
    return int((rng or random.Random()).choice(leaders))


def should_retire(verdict: Verdict, n_answers: int, *, confidence: float = SETTLED, max_answers: int = 15,
                  min_answers: int = 2) -> bool:
    """Whether a feature needs no more votes: settled with `confidence` on at least
    `min_answers` answers, or `max_answers` reached (past that, more votes mostly mean the
    options are genuinely close).

    The minimum exists because the scorer's prior alone can pass `confidence`: without it a
    feature the scorer is sure about would be settled by no one, and the scorer's blind spots
    would never meet a player. Two answers, so that no single player settles a feature.
    """
    if n_answers >= max_answers:
        return True
    return n_answers >= min_answers and verdict.best is not None and verdict.confidence >= confidence
