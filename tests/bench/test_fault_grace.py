"""The load bench's fault windows follow the app they test."""

from __future__ import annotations

from bench.faults import REDIS_GRACE_S, SOCKET_REJOIN_S
from game.consumers import REJOIN_EVERY_S


def test_the_redis_window_covers_two_rejoin_periods_of_the_game_socket() -> None:
    assert SOCKET_REJOIN_S == REJOIN_EVERY_S
    assert REDIS_GRACE_S >= 2 * REJOIN_EVERY_S


def _record_with_one_score(user: int, explanation: int, heard: bool):
    from bench.players import Record

    record = Record()
    record.explanations = [{"id": explanation, "user_id": user}]
    record.socket_spans = {user: [[0.0, None]]}
    if heard:
        record.score_events.add(explanation)
    return record


def test_a_score_committed_just_before_a_redis_restart_is_counted_as_lost_with_it() -> None:
    from bench.load import SCORE_DELIVERY_S, _score_events
    from bench.load_stats import FaultWindow

    window = FaultWindow("redis", start=10.0, end=10.2 + REDIS_GRACE_S)
    still_in_flight = _record_with_one_score(1, 7, heard=False)
    finished = {"7": still_in_flight.t0_wall + window.start - SCORE_DELIVERY_S / 2}
    counts = _score_events(still_in_flight, finished, until=30.0, windows=[window])
    assert counts["score_events_expected"] == 0 and counts["score_events_during_redis_restart"] == 1

    # Long enough before the restart, it was delivered or it counts as missed.
    missed = _record_with_one_score(1, 7, heard=False)
    finished = {"7": missed.t0_wall + window.start - SCORE_DELIVERY_S - 1.0}
    counts = _score_events(missed, finished, until=30.0, windows=[window])
    assert counts["score_events_expected"] == 1 and counts["score_events_missed"] == 1
