"""Choosing the next puzzle for a player, and what a puzzle shows.

Candidates are the active campaign's features; with no active campaign, every feature of
the first model's SAE and neuron sources. A player (user, or session key before login)
gets a feature they have not seen, or skipped more than `game.pool.SKIP_COOLDOWN` ago, and (when
logged in) have not voted or written on; among those, open features first (not settled and
fewer than `RETIRE_AFTER_VOTES` votes: the others are retired), then the fewest votes, with a random pick among the equally good ones so that parallel players
spread over features. When a player has seen every candidate, the one they saw longest
ago comes back.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from game.clues import clue_members
from game.gold import gold_feature
from game.hot_reads import explanation_items, feature_for_play
from game.models import (
    RETIRE_AFTER_VOTES,  # noqa: F401 (part of this module's story; tests read it here)
    ActivationRecord,
    Campaign,
    Explanation,
    Feature,
    LanguageModel,
    PuzzleView,
    Source,
    Vote,
)
from game.pool import POOL_SIZE, blocked_since, fresh_pool
from game.services.rescoring import standing_notice


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


def _active_campaign_id() -> int | None:
    return Campaign.objects.filter(active=True).values_list("pk", flat=True).first()


def candidate_features(*, planted: bool | None = False, campaign_id: int | None | bool = False) -> QuerySet[Feature]:
    """Features to play; planted ones (gold) only when asked for (True: only them, None: both):
    they are served at each player's gold rate, never in the ordinary rotation. `campaign_id`
    spares the lookup of the active campaign when the caller has it (None: there is none)."""
    if campaign_id is False:
        campaign_id = _active_campaign_id()
    if campaign_id is not None:
        # Membership as EXISTS, not a join: the play-order index can then drive the scan.
        member = Campaign.features.through.objects.filter(campaign_id=campaign_id, feature_id=OuterRef("pk"))
        qs = Feature.objects.filter(Exists(member))
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
        gold = gold_feature(player.user, rng=rng)
        if gold is not None:
            return gold
    # The active campaign is looked up inside the pool query: one round trip fewer per puzzle.
    pool = fresh_pool(player.user if player.is_user else None, session_key=player.session_key)
    campaign_id: int | None | bool = False
    if not pool:
        campaign_id = _active_campaign_id()
        if campaign_id is None:
            pool = _fresh_pool_orm(player, candidate_features(campaign_id=None))
    if pool:
        # Open features first, then the fewest votes; a random one of the equally good, so
        # that parallel players spread over features.
        best = pool[0][1:]
        chosen = rng.choice([pk for pk, *key in pool if tuple(key) == best])
        return feature_for_play(chosen)
    last_seen = player.views().filter(feature=OuterRef("pk")).order_by("-created").values("created")[:1]
    return (
        candidate_features(campaign_id=campaign_id).annotate(last_seen=Subquery(last_seen))
        .order_by(F("last_seen").asc(nulls_first=True), "vote_count", "pk")
        .first()
    )


def _fresh_pool_orm(player: Player, candidates: QuerySet[Feature]) -> list[tuple[int, bool, int]]:
    """What `game.pool.fresh_pool` reads, through the ORM (for play without a campaign)."""
    blocking = player.views().filter(feature=OuterRef("pk")).filter(
        ~Q(action=PuzzleView.Action.SKIP) | Q(created__gte=blocked_since())
    )
    fresh = candidates.exclude(Exists(blocking))
    if player.is_user:
        fresh = fresh.exclude(Exists(Explanation.objects.filter(feature=OuterRef("pk"), author=player.user)))
        fresh = fresh.exclude(Exists(Vote.objects.filter(explanation__feature=OuterRef("pk"), user=player.user)))
    return [
        (f.pk, f.retired, f.vote_count)
        for f in fresh.select_related(None).only("pk", "vote_count", "retired")
        .order_by("retired", "vote_count", "pk")[:POOL_SIZE]
    ]


def puzzle_json(view: PuzzleView, *, user=None, hide_explicit: bool = False) -> bytes:
    """The puzzle as the API sends it (`PuzzleOut`), with the feature's prepared clues spliced
    in as they are stored; only the explanations and this player's votes are read afresh."""
    feature = view.feature
    head = {
        "puzzle_id": view.pk,
        "feature": feature.ref.as_dict(),
        "max_activation": round(feature.max_activation, 4),
        "explanations": explanation_items(feature, user=user),
        "scoring_notice": standing_notice(),
    }
    encoded = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    return f"{encoded[:-1]},{clue_members(feature, hide_explicit=hide_explicit)}}}".encode()

