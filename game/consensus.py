"""Reads: a feature's reliability-weighted consensus over its explanations.

Options are the visible, non-draft explanations (`game.ratings.rated_options`, the ones
this-or-that pairs are drawn from); each counted vote weighs by its player's
accuracy on gold puzzles (`game.gold`); the prior leans on scores of the game's current
scoring key. Planted features have no consensus: their answer is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from calibration.consensus import SETTLED, Ballot, Verdict, weighted_consensus
from game.gold import reliabilities
from game.models import Explanation, Feature, Vote
from game.ratings import rated_options
from game.scoring_keys import current_key


@dataclass(frozen=True)
class FeatureConsensus:
    options: list[Explanation]
    verdict: Verdict | None  # None with fewer than two options
    votes: int

    @property
    def best(self) -> Explanation | None:
        if self.verdict is None or self.verdict.best is None:
            return None
        return self.options[self.verdict.best]

    @property
    def settled(self) -> bool:
        return self.best is not None and self.verdict.confidence >= SETTLED

    def reason(self) -> str:
        """In words, for the feature page."""
        if self.verdict is None:
            return "Open: fewer than two explanations to choose between."
        if self.best is None:
            return "Open: no explanation stands out yet."
        state = "agreed" if self.settled else "leaning"
        return (
            f"Weighted consensus {state} on \u201c{self.best.text}\u201d with confidence {self.verdict.confidence:.2f}, "
            f"from {self.votes} vote{'s' if self.votes != 1 else ''} weighed by each voter's measured accuracy "
            f"and the automatic scores."
        )


def feature_consensus(feature: Feature) -> FeatureConsensus:
    key = current_key(feature.source)
    options = rated_options(feature)
    if len(options) < 2:
        return FeatureConsensus(options, None, 0)
    index = {e.pk: i for i, e in enumerate(options)}
    votes = list(
        Vote.objects.filter(explanation_id__in=list(index), counted=True, user__isnull=False)
        .values_list("explanation_id", "user_id")
    )
    rel = reliabilities(sorted({uid for _, uid in votes}))
    ballots = [Ballot(index[eid], rel[uid]) for eid, uid in votes]
    # Only scores under the current key lean the prior: others are on another scale.
    current = key.explanation_filter()
    scores = [e.score_value if all(getattr(e, f) == v for f, v in current.items()) else None for e in options]
    return FeatureConsensus(options, weighted_consensus(len(options), ballots, scores), len(votes))
