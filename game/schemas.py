"""Request and response schemas of the game's API routes (`game/api.py`, `shared/API.md`).

Responses list every key the routes have always sent; request schemas check types and say
which field is wrong, while the rules themselves (text limits, junk, duplicates, reasons) stay
in `game/services`, which give the messages players see.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictInt, field_validator

from accounts.api_base import In, custom_error
from game.models import PuzzleView

ExplanationStatus = Literal["draft", "queued", "scored", "failed"]
FlagReason = Literal[tuple(PuzzleView.Reason.values)]  # type: ignore[valid-type]


# --- Shared pieces ------------------------------------------------------------------------------


class FeatureRefOut(Schema):
    model: str
    source: str
    index: int


class Record(Schema):
    """One text window with the feature's activation on each token."""

    tokens: list[str]
    values: list[float]
    max_value: float
    max_position: int
    kind: str = Field(description="top, quantile or random")
    quantile_bin: int | None
    duplicates: int = Field(description="near-duplicate windows this one stands for")


class FeatureRecord(Record):
    held_out: bool = Field(description="kept from the clues for scoring (shown once the feature leaves play)")


class ExplanationOut(Schema):
    id: int
    text: str
    author: str
    author_kind: Literal["human", "model"]
    status: ExplanationStatus
    score: float | None
    score_stderr: float | None
    score_method: str | None
    score_version: str | None
    pack_version: str | None
    votes: int


# --- Features -----------------------------------------------------------------------------------


class Logits(Schema):
    promoted: list[tuple[str, float]] = Field(description="[token, value] pairs the feature pushes up")
    suppressed: list[tuple[str, float]] = Field(description="[token, value] pairs it pushes down")


class LogitStats(Schema):
    std: float | None
    skewness: float | None
    kurtosis: float | None


class HumanScoreOut(Schema):
    value: float | None = Field(description="mean over players of their predictions' correlation with the truth")
    stderr: float | None
    players: int


class RatingOut(Schema):
    value: float = Field(description="Bradley-Terry rating from this-or-that picks (0 = average)")
    stderr: float
    comparisons: int


class MeasuredExplanationOut(ExplanationOut):
    human_score: HumanScoreOut
    rating: RatingOut | None


class FeatureOut(Schema):
    model: str
    source: str
    index: int
    max_activation: float
    frac_nonzero: float
    in_play: bool
    pack_version: str | None
    activations: list[FeatureRecord]
    explanations: list[MeasuredExplanationOut]
    settled_explanation_id: int | None
    settled_reason: str | None = Field(description="which rule settled the feature, in words")
    logits: Logits
    logit_stats: LogitStats
    histogram: dict[str, list[float | int]] = Field(description='{"edges": [...], "counts": [...]} or {}')
    neighbours: list[tuple[int, float]] = Field(description="[index, cosine] of the nearest features")


# --- Puzzles ------------------------------------------------------------------------------------


class PuzzleQuery(In):
    hide_explicit: str = Field(
        "", description="1 or true: anonymous players hide explicit clues (players' profiles decide for them)"
    )


class SimilarClue(Schema):
    """A near-identical window folded into a clue (the same text around its peak)."""

    tokens: list[str]
    values: list[float]
    max_value: float
    max_position: int


class ClueShown(Record):
    hidden_explicit: Literal[False]
    similar: list[SimilarClue] = Field(
        description="near-identical windows folded into this clue, each counted in `duplicates` (those the "
        "pipeline folded before import are counted but not kept)"
    )


class ClueHidden(Schema):
    """A clue hidden for a player who hides explicit content: no tokens or values leak."""

    hidden_explicit: Literal[True]
    kind: str
    quantile_bin: int | None
    max_value: float


Clue = ClueShown | ClueHidden


class PuzzleExplanation(ExplanationOut):
    voted: bool
    own: bool
    settled: bool


class PuzzleOut(Schema):
    puzzle_id: int
    feature: FeatureRefOut
    max_activation: float
    clues: list[Clue]
    quantiles: list[Clue]
    explanations: list[PuzzleExplanation]
    scoring_notice: str | None


class PuzzleActionOut(Schema):
    puzzle_id: int
    action: str


class FlagIn(In):
    reason: FlagReason


class FlagOut(PuzzleActionOut):
    reason: str


# --- Explanations and votes ---------------------------------------------------------------------


def _digits_to_int(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


class ExplanationTextIn(In):
    # The length and the rules are checked by the service, with the message players see.
    text: str = Field(json_schema_extra={"maxLength": settings.EXPLANATION_MAX_CHARS})

    @field_validator("text", mode="before")
    @classmethod
    def _text_given(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise custom_error("text", "Write an explanation first: text is missing.")
        return value


class ExplanationIn(ExplanationTextIn):
    model: str
    source: str
    index: Annotated[StrictInt, BeforeValidator(_digits_to_int)]


class ExplanationEditIn(ExplanationTextIn):
    """A new text for an explanation not yet scored."""


class ExplanationEdited(Schema):
    id: int
    status: ExplanationStatus
    text: str


class ExplanationCreated(Schema):
    id: int
    status: ExplanationStatus = Field(description="queued (a scoring job exists), draft (over the daily limit) or scored")
    text: str
    explanations_left_today: int


class Verdict(Schema):
    beat: bool
    previous_best: float | None
    difference: float | None
    noise: float | None
    message: str


class ExplanationDetail(ExplanationOut):
    score_status: str | None
    score_details: dict[str, Any]
    best_verdict: Verdict | None
    created: str
    feature: FeatureRefOut


class VoteOut(Schema):
    explanation_id: int
    voted: bool = Field(description="the player's vote stands after the call")
    changed: bool = Field(description="this call created or removed it")
    first_vote: bool
    votes: int
    gold_correct: bool | None = Field(
        None, description="On a check puzzle (a planted feature with a known answer), whether this first vote chose "
        "the true explanation; null on ordinary puzzles"
    )


class ExplanationDeleted(Schema):
    explanation_id: int
    deleted: bool


# --- Points and the player ----------------------------------------------------------------------


class LeaderboardQuery(In):
    period: Literal["day", "week", "all"] = "all"
    mode: Literal["all", "explain", "vote", "simulate"] = "all"


class LeaderboardEntry(Schema):
    rank: int
    username: str
    points: int


class LeaderboardOut(Schema):
    period: str
    mode: str
    entries: list[LeaderboardEntry]


class Skill(Schema):
    gold_answered: int = Field(description="check puzzles answered")
    gold_correct: int
    accuracy: float = Field(description="posterior mean accuracy on check puzzles (Beta prior)")
    stderr: float
    interval_90: list[float]
    gold_predictions: int = Field(description="predictions answered on check puzzles' true explanations")
    mean_correlation: float | None = Field(description="their mean correlation with the known rule")


class Streak(Schema):
    days: int = Field(description="UTC days in a row played, up to today (or yesterday, until today is played)")
    played_today: bool
    best: int


class MeOut(Schema):
    username: str
    points: int
    points_today: int
    points_week: int
    explanations_left_today: int
    daily_limit: int
    drafts: int
    preferences: dict[str, bool]
    has_voted: bool
    scoring_notice: str | None
    skill: Skill
    streak: Streak


class MyVote(Schema):
    explanation_id: int
    text: str
    feature: FeatureRefOut
    created: str


class MyVotesOut(Schema):
    votes: list[MyVote]


class ResultOut(Schema):
    explanation_id: int
    text: str
    feature: FeatureRefOut
    status: str = Field(description="scored or failed (or queued again, if it is being rescored)")
    score: float | None
    finished: str = Field(description="when its scoring finished (ISO 8601)")


class ResultsOut(Schema):
    until: str = Field(description="results finished up to this moment are listed; send it back once shown")
    results: list[ResultOut]


class ResultsSeenIn(In):
    until: dt.datetime = Field(description="the `until` of GET /api/me/results, once its results were shown")


class ResultsSeenOut(Schema):
    seen_until: str


# --- Research reads -----------------------------------------------------------------------------


class ExplanationSearchQuery(In):
    q: str = Field(description="the text to look for (200 characters at most)")

    @field_validator("q")
    @classmethod
    def _q(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise custom_error("q", "Give the text to search for in ?q=.")
        if len(value) > 200:
            raise custom_error("q", "The search text is too long (200 characters at most).")
        return value


class FoundExplanation(ExplanationOut):
    feature: FeatureRefOut


class ExplanationSearchOut(Schema):
    query: str
    results: list[FoundExplanation]
