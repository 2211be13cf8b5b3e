"""The one interface every scorer implements.

Scorers know explanations and records, never database rows: the game's jobs, the
`score_file` command and the benchmarks all call them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Status = Literal["ok", "undefined", "failed"]


@dataclass(frozen=True)
class Record:
    tokens: list[str]
    values: list[float]

    @property
    def max_value(self) -> float:
        return max(self.values, default=0.0)


@dataclass(frozen=True)
class ScoringInput:
    explanation: str
    top_records: list[Record]
    # Non-activating records; empty when the caller has none (score_file may not).
    random_records: list[Record] = field(default_factory=list)
    # The feature's max activation over the corpus, for normalising to 0..10.
    max_activation: float | None = None


@dataclass
class ScoreResult:
    status: Status
    value: float | None
    details: dict[str, Any] = field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    error: str = ""
    # Bootstrap standard error over the scored records (see scoring/uncertainty.py).
    stderr: float | None = None

    def __post_init__(self) -> None:
        # A failure or an undefined score never carries a number.
        if self.status != "ok":
            self.value = None
            self.stderr = None
        elif self.value is None:
            raise ValueError("an ok score needs a value")


class TransientScoringError(Exception):
    """Timeouts, 429s, 5xx: worth retrying later. `retry_after_s` from the server when it said."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentScoringError(Exception):
    """Malformed replies after retries, bad configuration, refused requests: will not improve."""


class Scorer(Protocol):
    name: str
    # Bumped whenever a change can move scores: scores of one method compare only within a version.
    version: str

    def score(self, data: ScoringInput) -> ScoreResult: ...
