"""The load bench's fault windows follow the app they test."""

from __future__ import annotations

from bench.faults import REDIS_GRACE_S, SOCKET_REJOIN_S
from game.consumers import REJOIN_EVERY_S


def test_the_redis_window_covers_two_rejoin_periods_of_the_game_socket() -> None:
    assert SOCKET_REJOIN_S == REJOIN_EVERY_S
    assert REDIS_GRACE_S >= 2 * REJOIN_EVERY_S
