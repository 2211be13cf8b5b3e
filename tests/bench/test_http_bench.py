"""bench/http_bench.py's parsing and verdicts, and the hello URLconf it serves the site with."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from bench.http_bench import Config, Player, parse_wrk, percentile, problems_of, route_figures, write_lua_data
from tests.factories import make_feature

# What wrk_rotate.lua's done() printed after a real 1 s run, among wrk's own lines.
WRK_STDOUT = """Running 1s test @ http://127.0.0.1:18977
  2 threads and 4 connections
  1026 requests in 1.01s, 388.72KB read
  Non-2xx or 3xx responses: 600
Requests/sec:   1020.21
WRK_JSON {"duration_us":1005680,"requests":1026,"bytes":398052,"errors":{"connect":0,"read":0,"write":0,\
"status":600,"timeout":2},"statuses":{"404":600,"200":426},"latency_us":{"min":195,"mean":9251.3,"max":98412,\
"p50":2334,"p90":29497,"p99":78772}}
"""


def test_the_lua_figures_become_rates_milliseconds_and_non_2xx_counts():
    figures = route_figures(parse_wrk(WRK_STDOUT))
    assert figures["rps"] == pytest.approx(1026 / 1.00568, abs=0.1)
    assert (figures["p50_ms"], figures["p90_ms"], figures["p99_ms"]) == (2.33, 29.5, 78.77)
    assert figures["non_2xx"] == 600 and figures["statuses"] == {"200": 426, "404": 600}
    # wrk's own "status" error count is the non-2xx above again; timeouts are socket errors.
    assert figures["socket_errors"] == 2 and "status" not in figures["errors"]
    assert figures["bytes"] == round(398052 / 1026)


def test_output_without_the_marker_line_is_an_error():
    with pytest.raises(ValueError, match="WRK_JSON"):
        parse_wrk("Running 1s test @ http://127.0.0.1:1\n")


def test_lua_data_lists_every_player_and_path_escaped(tmp_path):
    players = [Player('sessionid=a"b', "127.1.0.1"), Player("sessionid=c\\d", "127.1.0.2", hide_explicit=True)]
    text = write_lua_data(tmp_path / "d.lua", paths=["/api/puzzle/next"], players=players, threads=2).read_text()
    assert text.startswith("return {threads = 2,")
    assert '{cookie = "sessionid=a\\"b", xff = "127.1.0.1"}' in text
    assert '{cookie = "sessionid=c\\\\d", xff = "127.1.0.2"}' in text
    assert 'paths = {"/api/puzzle/next"}' in text


def test_nearest_rank_percentile():
    values = [float(v) for v in range(1, 31)]
    assert percentile(values, 50) == 15.0
    assert percentile(values, 99) == 30.0  # of 30 samples, p99 is the slowest
    assert percentile([4.0], 99) == 4.0


def _result(**route_overrides) -> dict:
    route = {"non_2xx": 0, "statuses": {"200": 500}, "socket_errors": 0, "errors": {}, "requests": 500}
    return {"routes": {"hello": route, "puzzle_next": {**route, **route_overrides}},
            "feature_page": {"non_2xx": 0}, "queue": {"drained": True, "due": 0},
            "puzzle_requests_per_player_max": 2}


def test_a_run_with_429s_or_an_undrained_queue_is_invalid():
    assert problems_of(_result(), Config()) == []
    limited = problems_of(_result(non_2xx=7, statuses={"200": 493, "429": 7}), Config())
    assert len(limited) == 1 and "429" in limited[0]
    undrained = _result()
    undrained["queue"] = {"drained": False, "due": 12}
    assert "12 jobs due" in problems_of(undrained, Config())[0]


def test_a_run_that_spends_a_players_puzzle_budget_is_invalid():
    result = _result()
    result["puzzle_requests_per_player_max"] = 61
    assert "--players" in problems_of(result, Config())[0]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.hello_site")
def test_the_hello_urlconf_answers_hello_and_keeps_the_sites_routes(client):
    response = client.get("/bench/hello")
    assert response.status_code == 200 and json.loads(response.content) == {"hello": "world"}
    feature = make_feature()
    ref = feature.ref
    api = client.get(f"/api/feature/{ref.model}/{ref.source}/{ref.index}")
    assert api.status_code == 200 and api.json()["index"] == ref.index
    assert client.get(f"/{ref.model}/{ref.source}/{ref.index}").status_code == 200
    assert client.get("/api/no-such-route").status_code == 404
