"""Choosing the next puzzle for a player, and what a puzzle shows.

Candidates are the active campaign's features; with no active campaign, every feature of
the first model's SAE and neuron sources. A player (user, or session key before login)
gets a feature they have not seen, or skipped more than `SKIP_COOLDOWN` ago, and (when
logged in) have not voted or written on; among those, open features first (not settled and
fewer than `RETIRE_AFTER_VOTES` votes: the others are retired), then the fewest votes, with a random pick among the equally good ones so that parallel players
spread over features. When a player has seen every candidate, the one they saw longest
ago comes back.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from game.gold import gold_feature
from game.models import (
    ActivationRecord,
    Campaign,
    Explanation,
    Feature,
    LanguageModel,
    PuzzleView,
    Source,
    Vote,
)
from game.selectors import clue_records, explanation_payload, record_payload
from game.services.rescoring import standing_notice

SKIP_COOLDOWN = dt.timedelta(days=7)
POOL_SIZE = 20
# A feature retires from normal play once settled or after this many votes (past that, more
# votes mostly say the options are close); retired features come back only when nothing else is left.
RETIRE_AFTER_VOTES = 15


@dataclass(frozen=True)
class Player:
    """Who is playing: a logged-in user, or an anonymous session."""

    user: Any = None
    session_key: str = ""

    @property
    def is_user(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    @property
    def is_known(self) -> bool:
        """False for an anonymous player without a session yet: nothing of theirs is recorded."""
        return self.is_user or bool(self.session_key)

    def views(self) -> QuerySet[PuzzleView]:
        if self.is_user:
            return PuzzleView.objects.filter(user=self.user)
        if not self.session_key:
            return PuzzleView.objects.none()
        return PuzzleView.objects.filter(user__isnull=True, session_key=self.session_key)


def candidate_features(*, planted: bool | None = False) -> QuerySet[Feature]:
    """Features to play; planted ones (gold) only when asked for (True: only them, None: both):
    they are served at each player's gold rate, never in the ordinary rotation."""
    campaign = Campaign.objects.filter(active=True).first()
    if campaign is not None:
        qs = campaign.features.all()
    else:
        model = LanguageModel.objects.order_by("pk").first()
        if model is None:
            return Feature.objects.none()
        qs = Feature.objects.filter(source__model=model, source__kind__in=[Source.Kind.SAE, Source.Kind.NEURONS])
    has_clues = ActivationRecord.objects.filter(feature=OuterRef("pk"), held_out=False, unseen=False)
    qs = qs.filter(Exists(has_clues)).select_related("source__model")
    if planted is None:
        return qs
    return qs.filter(planted__isnull=not planted)


def next_feature(player: Player, *, rng: random.Random | None = None) -> Feature | None:
    rng = rng or random.Random()
    if player.is_user:
        gold = gold_feature(player.user, candidate_features(planted=True), rng=rng)
        if gold is not None:
            return gold
    candidates = candidate_features()
    recent = timezone.now() - SKIP_COOLDOWN
    # Seen or flagged at any time, or skipped lately: not offered while fresher ones remain.
    blocking = player.views().filter(feature=OuterRef("pk")).filter(
        ~Q(action=PuzzleView.Action.SKIP) | Q(created__gte=recent)
    )
    fresh = candidates.exclude(Exists(blocking))
    if player.is_user:
        fresh = fresh.exclude(Exists(Explanation.objects.filter(feature=OuterRef("pk"), author=player.user)))
        fresh = fresh.exclude(Exists(Vote.objects.filter(explanation__feature=OuterRef("pk"), user=player.user)))
    open_ = Q(settled_explanation__isnull=True) & Q(vote_count__lt=RETIRE_AFTER_VOTES)
    pool = list(
        fresh.annotate(unsettled=ExpressionWrapper(open_, output_field=BooleanField()))
        .order_by("-unsettled", "vote_count", "pk")[:POOL_SIZE]
    )
    if pool:
        def key(f: Feature) -> tuple[bool, int]:
            return (f.settled_explanation_id is not None or f.vote_count >= RETIRE_AFTER_VOTES, f.vote_count)

        best = key(pool[0])
        return rng.choice([f for f in pool if key(f) == best])
    last_seen = player.views().filter(feature=OuterRef("pk")).order_by("-created").values("created")[:1]
    return (
        candidates.annotate(last_seen=Subquery(last_seen))
        .order_by(F("last_seen").asc(nulls_first=True), "vote_count", "pk")
        .first()
    )


def puzzle_explanations(feature: Feature) -> QuerySet[Explanation]:
    """Visible explanations, drafts included: a draft can earn the votes that get it scored."""
    return (
        feature.explanations.filter(hidden=False)
        .select_related("author")
        .order_by(F("score_value").desc(nulls_last=True), "-vote_count", "created")
    )


def clue_payload(record: ActivationRecord, model: LanguageModel, *, hide_explicit: bool) -> dict[str, Any]:
    # `explicit` was decided when the record was imported: nothing scans the text here.
    if hide_explicit and record.explicit:
        # The placeholder carries no tokens or values: nothing of the text leaks.
        return {
            "hidden_explicit": True,
            "kind": record.kind,
            "quantile_bin": record.quantile_bin,
            "max_value": round(record.max_value, 4),
        }
    return {**record_payload(record, model), "hidden_explicit": False}


def puzzle_payload(view: PuzzleView, *, user=None, hide_explicit: bool = False) -> dict[str, Any]:
    feature = view.feature
    model = feature.source.model
    records = list(clue_records(feature))
    clues = [clue_payload(r, model, hide_explicit=hide_explicit) for r in records if r.kind == ActivationRecord.Kind.TOP]
    quantiles = [
        clue_payload(r, model, hide_explicit=hide_explicit) for r in records if r.kind == ActivationRecord.Kind.QUANTILE
    ]
    explanations = list(puzzle_explanations(feature))
    voted: set[int] = set()
    if user is not None and user.is_authenticated:
        voted = set(
            Vote.objects.filter(user=user, explanation__in=explanations).values_list("explanation_id", flat=True)
        )
    items = []
    for e in explanations:
        item = explanation_payload(e)
        item["voted"] = e.pk in voted
        item["own"] = bool(user is not None and user.is_authenticated and e.author_id == user.pk)
        item["settled"] = e.pk == feature.settled_explanation_id
        items.append(item)
    return {
        "puzzle_id": view.pk,
        "feature": feature.ref.as_dict(),
        "max_activation": round(feature.max_activation, 4),
        "clues": clues,
        "quantiles": quantiles,
        "explanations": items,
        "scoring_notice": standing_notice(),
    }
