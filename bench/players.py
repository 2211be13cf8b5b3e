"""Simulated players for the load benchmark: asyncio tasks that play the game over the public API
and hold the game's websocket, recording every request and every write the server acknowledged.

No Django here: the players only speak HTTP and websockets, like real clients. Accounts come
from `bench.accounts` (made through the ORM in a subprocess), one source address each
(`127.x.y.z`, all loopback), so the balancer appends a different address for every player and
per-address rate limits count each player apart, as they would in production.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect as ws_connect

# httpx logs every request at INFO: thousands of lines a second that would bury a failing
# test's output.
logging.getLogger("httpx").setLevel(logging.WARNING)

# What each player does after fetching a puzzle, as weights. Reads of the board and the
# player's own page happen besides, now and then.
ACTIONS = {"vote": 0.45, "submit": 0.25, "skip": 0.30}
DUPLICATE_SHARE = 0.15  # of submissions: an existing explanation's text again (409 expected)
REVOTE_SHARE = 0.10  # of votes: one already cast again (idempotent: 200, nothing changes)
BOARD_SHARE = 0.10
ME_SHARE = 0.10

ROUTES = (
    "GET /api/puzzle/next",
    "POST /api/explanations/{id}/vote",
    "POST /api/explanations",
    "POST /api/puzzle/{id}/skip",
    "GET /api/leaderboard",
    "GET /api/me",
    "WS /ws/game/",
)

# Words for explanations the junk filter accepts as prose; three drawn at random (plus the
# player's own word) make a text that is new on its feature almost always.
_SUBJECTS = ("verbs", "nouns", "names", "pronouns", "numbers", "endings", "openings", "quotes", "rhymes",
             "commands", "questions", "greetings", "places", "animals", "colours", "prayers", "laws",
             "functions", "arguments", "errors", "plurals", "titles", "kings", "days", "jokes")
_CONTEXTS = ("in biblical verse", "after a comma", "in code documentation", "at the start of a line",
             "in dictionary glosses", "before a full stop", "inside quotation marks", "in fortune cookies",
             "near the word lord", "in cynical definitions", "in lists of examples", "after the word the",
             "in short proverbs", "in python examples", "in legal language", "in old english")
_QUALIFIERS = ("mostly", "especially", "often", "only", "strongly", "weakly", "usually", "rarely")
_PLAYER_WORDS = ("apple", "river", "stone", "cloud", "maple", "harbor", "violet", "falcon", "meadow",
                 "copper", "willow", "ember", "glacier", "lantern", "orchid", "pepper", "saddle", "thistle")


@dataclass(frozen=True)
class Account:
    """A player made for the run: bearer token for the API, session for the websocket."""

    user_id: int
    username: str
    token: str
    session_key: str
    address: str  # the source address this player's connections leave from

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Account:
        return cls(**{k: d[k] for k in ("user_id", "username", "token", "session_key", "address")})


@dataclass(slots=True)
class Sample:
    route: str
    start: float  # monotonic seconds from the run's start
    end: float
    status: int | None  # None: no HTTP answer (connection refused, reset, timeout)
    error: str = ""


@dataclass
class Record:
    """Everything the players saw: every request, every acknowledged write, websocket life."""

    t0: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    votes: list[dict[str, Any]] = field(default_factory=list)  # {user_id, explanation_id, t}
    explanations: list[dict[str, Any]] = field(default_factory=list)  # {id, user_id, status, feature, text, t}
    skips: list[dict[str, Any]] = field(default_factory=list)  # {user_id, puzzle_id, t}
    duplicates: int = 0  # 409s for a text already on the feature
    ws_connects: int = 0
    ws_reconnects: int = 0
    ws_failed_connects: int = 0
    ws_drops: int = 0  # open sockets the server closed or lost
    ws_messages: dict[str, int] = field(default_factory=dict)
    # Per player, the socket now open: when it opened and when it last heard anything (None
    # while no socket is open). A socket that stays open but hears nothing after others do is deaf.
    sockets: dict[int, dict[str, float | None]] = field(default_factory=dict)
    # Per player, every socket's [opened, closed] (closed None: open at the end), and the
    # explanations whose `score` event reached their author.
    socket_spans: dict[int, list[list[float | None]]] = field(default_factory=dict)
    score_events: set[int] = field(default_factory=set)
    t0_wall: float = field(default_factory=time.time)  # the clock's zero as a Unix time

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, route: str, start: float, status: int | None, error: str = "") -> None:
        self.samples.append(Sample(route, start, self.now(), status, error))


def address_for(n: int) -> str:
    """The n-th player's loopback source address, from 127.1.1.1 on: never 127.0.0.1, the
    address every other local client has (the whole of 127.0.0.0/8 reaches this machine)."""
    return f"127.{1 + n // (254 * 254)}.{1 + (n // 254) % 254}.{1 + n % 254}"


def _explanation_text(rng: random.Random, player_word: str) -> str:
    return (f"{rng.choice(_QUALIFIERS)} {rng.choice(_SUBJECTS)} {rng.choice(_CONTEXTS)}, "
            f"like {player_word} and {rng.choice(_PLAYER_WORDS)}")


class Player:
    """One simulated player: fetch a puzzle, then vote, submit or skip, with think times."""

    def __init__(self, account: Account, *, base_url: str, ws_url: str, record: Record, seed: int,
                 think_s: float = 2.0, timeout_s: float = 10.0) -> None:
        self.account, self.base_url, self.ws_url, self.record = account, base_url, ws_url, record
        self.rng = random.Random(seed)
        self.think_s, self.timeout_s = think_s, timeout_s
        self.word = _PLAYER_WORDS[seed % len(_PLAYER_WORDS)]
        self.voted: list[int] = []
        self.until = 0.0

    async def run(self, until: float) -> None:
        """Play until `until` (seconds on the record's clock), holding the websocket meanwhile."""
        self.until = until
        transport = httpx.AsyncHTTPTransport(local_address=self.account.address, retries=0)
        headers = {"Authorization": f"Bearer {self.account.token}"}
        async with httpx.AsyncClient(base_url=self.base_url, transport=transport, headers=headers,
                                     timeout=self.timeout_s, trust_env=False) as client:
            socket_task = asyncio.create_task(self._hold_socket(until))
            try:
                # Players arrive over the first seconds rather than all in the same instant.
                await asyncio.sleep(self.rng.uniform(0, min(self.think_s * 2, 5.0)))
                while self.record.now() < until:
                    await self._turn(client)
                    await self._think(until)
            finally:
                socket_task.cancel()
                await asyncio.gather(socket_task, return_exceptions=True)

    async def _think(self, until: float) -> None:
        pause = min(self.rng.expovariate(1 / self.think_s), self.think_s * 5)
        await asyncio.sleep(max(0.0, min(pause, until - self.record.now())))

    async def _call(self, client: httpx.AsyncClient, route: str, method: str, url: str,
                    body: dict[str, Any] | None = None) -> httpx.Response | None:
        start = self.record.now()
        try:
            response = await client.request(method, url, json=body)
        except httpx.HTTPError as exc:
            self.record.add(route, start, None, f"{type(exc).__name__}: {exc}"[:200])
            return None
        self.record.add(route, start, response.status_code,
                        "" if response.status_code < 500 else response.text[:200])
        return response

    async def _turn(self, client: httpx.AsyncClient) -> None:
        if self.rng.random() < BOARD_SHARE:
            await self._call(client, ROUTES[4], "GET", f"/api/leaderboard?period={self.rng.choice(['day', 'week', 'all'])}")
        if self.rng.random() < ME_SHARE:
            await self._call(client, ROUTES[5], "GET", "/api/me")
        response = await self._call(client, ROUTES[0], "GET", "/api/puzzle/next")
        if response is None or response.status_code != 200:
            return
        puzzle = response.json()
        await self._think(self.until)  # reading the clues
        if self.record.now() >= self.until:
            return
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        if action == "vote":
            await self._vote(client, puzzle)
        elif action == "submit":
            await self._submit(client, puzzle)
        else:
            await self._skip(client, puzzle)

    async def _vote(self, client: httpx.AsyncClient, puzzle: dict[str, Any]) -> None:
        if self.voted and self.rng.random() < REVOTE_SHARE:
            target = self.rng.choice(self.voted)
        else:
            choices = [e["id"] for e in puzzle.get("explanations", []) if not e.get("own") and not e.get("voted")]
            if not choices:
                await self._skip(client, puzzle)
                return
            target = self.rng.choice(choices)
        response = await self._call(client, ROUTES[1], "POST", f"/api/explanations/{target}/vote")
        if response is not None and response.status_code == 200 and response.json().get("voted"):
            self.record.votes.append({"user_id": self.account.user_id, "explanation_id": target,
                                      "changed": response.json().get("changed"), "t": self.record.now()})
            if target not in self.voted:
                self.voted.append(target)

    async def _submit(self, client: httpx.AsyncClient, puzzle: dict[str, Any]) -> None:
        existing = [e["text"] for e in puzzle.get("explanations", [])]
        duplicate = bool(existing) and self.rng.random() < DUPLICATE_SHARE
        text = self.rng.choice(existing) if duplicate else _explanation_text(self.rng, self.word)
        body = {**puzzle["feature"], "text": text}
        response = await self._call(client, ROUTES[2], "POST", "/api/explanations", body)
        if response is None:
            return
        if response.status_code == 201:
            data = response.json()
            self.record.explanations.append({
                "id": data["id"], "user_id": self.account.user_id, "status": data["status"],
                "feature": puzzle["feature"], "text": text, "duplicate_attempt": duplicate, "t": self.record.now(),
            })
        elif response.status_code == 409:
            self.record.duplicates += 1

    async def _skip(self, client: httpx.AsyncClient, puzzle: dict[str, Any]) -> None:
        pid = puzzle["puzzle_id"]
        response = await self._call(client, ROUTES[3], "POST", f"/api/puzzle/{pid}/skip")
        if response is not None and response.status_code == 200:
            self.record.skips.append({"user_id": self.account.user_id, "puzzle_id": pid, "t": self.record.now()})

    async def _hold_socket(self, until: float) -> None:
        """Keep the game's websocket open, reconnecting (with a short backoff) whenever it drops."""
        origin = self.base_url.rstrip("/")
        headers = {"Cookie": f"sessionid={self.account.session_key}"}
        connected_before = False
        delay = 0.5
        while self.record.now() < until:
            start, opened = self.record.now(), False
            try:
                async with ws_connect(self.ws_url, origin=origin, additional_headers=headers, proxy=None,
                                      open_timeout=self.timeout_s, ping_interval=None,
                                      local_addr=(self.account.address, 0)) as socket:
                    first = json.loads(await asyncio.wait_for(socket.recv(), self.timeout_s))
                    opened = True
                    self.record.add(ROUTES[6], start, 101)
                    self.record.ws_connects += 1
                    if connected_before:
                        self.record.ws_reconnects += 1
                    connected_before, delay = True, 0.5
                    self.record.sockets[self.account.user_id] = {"opened": self.record.now(), "heard": None}
                    self.record.socket_spans.setdefault(self.account.user_id, []).append([self.record.now(), None])
                    self._count_message(first)
                    async for message in socket:
                        self._count_message(json.loads(message))
                # The server closed the socket cleanly: a drop all the same.
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a failed handshake or a drop: count it, try again
                if not opened:
                    status = getattr(getattr(exc, "response", None), "status_code", None)
                    self.record.add(ROUTES[6], start, status, f"{type(exc).__name__}: {exc}"[:200])
                    self.record.ws_failed_connects += 1
            if opened:
                self.record.ws_drops += 1
                self.record.sockets[self.account.user_id] = {"opened": None, "heard": None}
                self.record.socket_spans[self.account.user_id][-1][1] = self.record.now()
            await asyncio.sleep(delay + self.rng.uniform(0, delay))
            delay = min(delay * 2, 4.0)

    def _count_message(self, message: Any) -> None:
        kind = message.get("type", "?") if isinstance(message, dict) else "?"
        state = self.record.sockets.get(self.account.user_id)
        if state is not None and kind != "hello":
            state["heard"] = self.record.now()
        if kind == "score" and isinstance(message.get("explanation_id"), int):
            self.record.score_events.add(message["explanation_id"])
        self.record.ws_messages[kind] = self.record.ws_messages.get(kind, 0) + 1


async def run_players(accounts: list[Account], *, base_url: str, ws_url: str, seconds: float, think_s: float,
                      record: Record, seed: int = 0,
                      during: Callable[[Record], Any] | None = None) -> Record:
    """Every account plays for `seconds`; `during(record)` (a coroutine function: the fault
    schedule) runs alongside and is awaited too."""
    until = record.now() + seconds
    tasks = [asyncio.create_task(Player(a, base_url=base_url, ws_url=ws_url, record=record, seed=seed * 100003 + i,
                                        think_s=think_s).run(until))
             for i, a in enumerate(accounts)]
    if during is not None:
        tasks.append(asyncio.create_task(during(record)))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    crashed = [r for r in results if isinstance(r, BaseException)]
    if crashed:
        raise RuntimeError(f"{len(crashed)} player task(s) crashed: {crashed[0]!r}") from crashed[0]
    return record
