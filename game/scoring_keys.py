"""Which scores may be compared: one method, one scorer version, one set of records.

A score read on another scale (another method), by another build of the same scorer, or on
other records (a rebuilt pack) says nothing about which of two explanations is better. Every
comparison the game makes (new best, settling, ranking) goes through the key of the score.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from game.models import Explanation, Score, Source


@dataclass(frozen=True)
class ScoringKey:
    method: str
    version: str
    pack_version: str

    def __str__(self) -> str:
        return f"{self.method} v{self.version}" + (f" on pack {self.pack_version[:8]}" if self.pack_version else "")

    @classmethod
    def of_score(cls, score: Score) -> ScoringKey:
        return cls(score.method, score.version, score.pack_version)

    @classmethod
    def of_explanation(cls, explanation: Explanation) -> ScoringKey | None:
        if not explanation.score_method:
            return None
        return cls(explanation.score_method, explanation.score_version, explanation.score_pack_version)

    def explanation_filter(self) -> dict[str, str]:
        """Keyword filter for explanations whose shown score was made under this key."""
        return {"score_method": self.method, "score_version": self.version, "score_pack_version": self.pack_version}

    def score_filter(self) -> dict[str, str]:
        return {"method": self.method, "version": self.version, "pack_version": self.pack_version}


def key_for(source: Source, method: str | None = None) -> ScoringKey:
    """The key a new score of `method` (default: the deployment's) on this source gets now."""
    from scoring.registry import scorer_version

    method = method or settings.SCORING_METHOD
    try:
        version = scorer_version(method)
    except KeyError:
        version = "1"  # unknown method: the job fails it with a clear reason
    return ScoringKey(method, version, source.pack_version)


def current_key(source: Source) -> ScoringKey:
    """The key of the deployment's default method on this source: the one the game compares by."""
    return key_for(source)
