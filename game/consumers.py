"""The game's websocket: score results for the player, leaderboard updates for all."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from game.events import LEADERBOARD_GROUP, player_group


class GameConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.groups_joined = [LEADERBOARD_GROUP]
        if user is not None and user.is_authenticated:
            self.groups_joined.append(player_group(user.pk))
        # Join before accepting: once the handshake is done, no event can be missed.
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "authenticated": len(self.groups_joined) > 1})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

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
