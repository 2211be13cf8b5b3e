"""Events that tell connected clients something changed (over channels groups).

Groups: `player-<user id>` for one player's sockets, `leaderboard` for everyone.
Messages are dispatched to `GameConsumer.game_event`, which forwards `payload` as JSON.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from game.services import points
from game.services.scores import score_recorded

log = logging.getLogger(__name__)

LEADERBOARD_GROUP = "leaderboard"


def player_group(user_id: int) -> str:
    return f"player-{user_id}"


def send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "game.event", "payload": payload})
    except Exception:  # a dropped notification must never fail the job that saved the score
        log.exception("could not send %s to %s", payload.get("type"), group)


def close_player_sockets(user_id: int) -> None:
    """Close every open websocket of a player (banned): each consumer in their group closes."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(player_group(user_id), {"type": "account.closed"})
    except Exception:
        log.exception("could not close the sockets of player %s", user_id)


def leaderboard_payload(period: str = "day", limit: int = 10) -> dict[str, Any]:
    return {"type": "leaderboard", "period": period, "entries": points.leaderboard(period=period, limit=limit)}


def score_finished(explanation_id: int) -> None:
    """Pays points, settles the feature, tells the author and refreshes everyone's board.
    The scoring job does the first half inside its transaction and calls `announce_score`."""
    payload = score_recorded(explanation_id)
    if payload is not None:
        announce_score(payload)


def announce_score(payload: dict[str, Any]) -> None:
    """Send a `score` event (from `score_recorded`) to its author and refresh the boards."""
    from game.models import Explanation

    author_id = Explanation.objects.values_list("author_id", flat=True).filter(pk=payload["explanation_id"]).first()
    if author_id is not None:
        send(player_group(author_id), payload)
    send(LEADERBOARD_GROUP, leaderboard_payload())
