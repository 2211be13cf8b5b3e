"""Serving, skipping and flagging puzzles."""

from __future__ import annotations

from game.hot_reads import feature_by_ref, puzzle_view_insert
from game.models import Feature, PuzzleView
from game.puzzles import Player, next_feature
from game.services.errors import ServiceError


def puzzle_serve(*, player: Player) -> PuzzleView | None:
    """Pick the next feature for the player and record that they saw it (None: nothing to play)."""
    feature = next_feature(player)
    if feature is None:
        return None
    return puzzle_view_insert(
        user=player.user if player.is_user else None,
        session_key="" if player.is_user else player.session_key,
        feature=feature,
    )


def puzzle_serve_feature(*, player: Player, model: str, source: str, index: int) -> PuzzleView:
    """The named feature as this player's puzzle (a shared link): recorded like any served
    puzzle, so it can be skipped or flagged, with the same prepared clues."""
    feature = feature_by_ref(model=model, source=source, index=index)
    if feature is None:
        raise ServiceError(f"No feature {index} in {model}/{source}.", status=404)
    return puzzle_view_insert(
        user=player.user if player.is_user else None,
        session_key="" if player.is_user else player.session_key,
        feature=feature,
    )


def puzzle_get(*, player: Player, puzzle_id: int) -> PuzzleView:
    """The player's own puzzle by id; 404 for anyone else's (ids are not secrets)."""
    view = player.views().select_related("feature__source__model").filter(pk=puzzle_id).first()
    if view is None:
        raise ServiceError("No such puzzle for this player.", status=404)
    return view


def puzzle_skip(*, player: Player, puzzle_id: int) -> PuzzleView:
    """Skip: earns nothing; the feature comes back after the skip cool-down."""
    view = puzzle_get(player=player, puzzle_id=puzzle_id)
    if view.action == PuzzleView.Action.SEEN:
        PuzzleView.objects.filter(pk=view.pk, action=PuzzleView.Action.SEEN).update(action=PuzzleView.Action.SKIP)
        view.action = PuzzleView.Action.SKIP
    return view


def puzzle_flag(*, player: Player, puzzle_id: int, reason: str) -> PuzzleView:
    """Say the explanations don't fit, the feature is polysemantic, or the text explicit.
    Information for moderators and researchers, not a skip; the last reason given counts."""
    if reason not in PuzzleView.Reason.values:
        raise ServiceError(
            f"Unknown reason; use one of: {', '.join(PuzzleView.Reason.values)}.", field="reason"
        )
    view = puzzle_get(player=player, puzzle_id=puzzle_id)
    PuzzleView.objects.filter(pk=view.pk).update(action=PuzzleView.Action.FLAG, reason=reason)
    view.action, view.reason = PuzzleView.Action.FLAG, reason
    return view


def feature_flag_counts(feature: Feature) -> dict[str, int]:
    """How many players flagged the feature, by reason (for moderators and the feature page)."""
    counts = {r: 0 for r in PuzzleView.Reason.values}
    for reason in feature.puzzle_views.filter(action=PuzzleView.Action.FLAG).values_list("reason", flat=True):
        counts[reason] = counts.get(reason, 0) + 1
    return counts
