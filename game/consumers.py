"""The game's websocket: score results for the player, leaderboard updates for all."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from game.events import LEADERBOARD_GROUP, player_group

log = logging.getLogger(__name__)


# Group memberships live in the channel layer (Redis at scale), which a restart empties: each
# socket joins its groups again this often, so live updates resume within that time.
REJOIN_EVERY_S = 3.0
# A handshake that cannot join its groups (the layer is down) is refused with this close code
# (1013: try again later), and an open socket that cannot rejoin is closed with it: the page
# reconnects with backoff, instead of the server answering 500 or keeping a deaf socket open.
TRY_AGAIN_LATER = 1013


class GameConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.groups_joined = [LEADERBOARD_GROUP]
        if user is not None and user.is_authenticated:
            self.groups_joined.append(player_group(user.pk))
        # Join before accepting: once the handshake is done, no event can be missed.
        try:
            await self._join()
        except Exception:  # noqa: BLE001 - the channel layer is unreachable
            log.warning("websocket refused: the channel layer is unreachable", exc_info=True)
            self.groups_joined = []
            await self.close(code=TRY_AGAIN_LATER)
            return
        await self.accept()
        self.rejoining = asyncio.ensure_future(self._keep_joined())
        await self.send_json({"type": "hello", "authenticated": len(self.groups_joined) > 1})

    async def _join(self) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _keep_joined(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_EVERY_S)
            try:
                await self._join()
            except Exception:  # noqa: BLE001 - the layer is down: let the client come back later
                log.warning("websocket closed: cannot rejoin its groups", exc_info=True)
                await self.close(code=TRY_AGAIN_LATER)
                return

    async def disconnect(self, code: int) -> None:
        rejoining = getattr(self, "rejoining", None)
        if rejoining is not None:
            rejoining.cancel()
        for group in getattr(self, "groups_joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # noqa: BLE001 - a membership the layer lost needs no discarding
                log.info("group_discard failed on disconnect", exc_info=True)

    async def receive_json(self, content: Any, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "error": "Unknown message type; send {\"type\": \"ping\"}."})

    async def game_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])

    async def account_closed(self, event: dict[str, Any]) -> None:
        # The player was banned: say so, then close (4403: forbidden, in the private range).
        await self.send_json({"type": "closed", "reason": "This account was suspended by a moderator."})
        await self.close(code=4403)
