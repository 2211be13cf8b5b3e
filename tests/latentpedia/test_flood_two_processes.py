"""Rate limits hold across web processes. Two daphne processes share one PostgreSQL database and
one Redis (as several web processes do in production); a flood alternating between them is
counted once: with a limit of 5, three requests to each process make the sixth a 429 with
`Retry-After`, although neither process alone saw more than three. The same for the per-address
limits (many users, or anonymous players, behind one address) and for allauth's login limits,
whose 429 also says when to come back (accounts.middleware) on the site's own 429 page."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection

from accounts.tokens import api_token_create
from game.models import Explanation, PuzzleView, Vote
from tests.factories import make_campaign, make_explanation, make_feature, make_user
from tests.servers import daphnes


def across_processes(test):
    """The servers must see this test's rows: committed (transaction=True) to a PostgreSQL test
    database, with Redis as the cache they share. Skipped, with the reason, without them."""
    for mark in (pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)):
        test = mark(test)
    return test


ROOT = Path(__file__).resolve().parents[2]
USER_LIMIT, IP_LIMIT, WINDOW = 5, 8, 60
SCOPES = ("submit", "vote", "puzzle")
RATE_LIMITS = {f"{scope}:{kind}": [limit, WINDOW] for scope in SCOPES
               for kind, limit in (("user", USER_LIMIT), ("ip", IP_LIMIT))}
# TEST-NET-2 addresses, one per scenario (behind one trusted proxy: X-Forwarded-For counts), so
# no scenario spends another's per-address budget.
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
_texts = itertools.count(1)
WORDS = ["banana", "kitten", "harbour", "violin", "glacier", "pepper", "lantern", "meadow", "thunder",
         "saddle", "orchard", "compass", "furnace", "ribbon", "walrus", "canyon"]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the process answers HTTP (not just listens): Django is loaded, the database reached."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited: {proc.stdout.read().decode(errors='replace')[-3000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"daphne did not answer on {port}")


def database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django created
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def two_processes(django_db_setup):
    run = uuid.uuid4().hex[:12]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "latentpedia.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DB_CONN_MAX_AGE": "0",  # no idle connection holds up the flush between tests
        # A fresh cache prefix: this run's windows (ours and allauth's) start empty, and no
        # other run's keys are touched.
        "CACHE_PREFIX": f"lp-flood-{run}",
        "CHANNEL_PREFIX": f"lp-flood-{run}",
        "RATE_LIMITS_JSON": json.dumps(RATE_LIMITS),
        "TRUSTED_PROXY_COUNT": "1",
    }
    env.pop("DEBUG", None)
    with daphnes(2, env, ready=wait_ready) as ports:
        yield ports


def window_with_room(seconds: float = 10) -> None:
    """The limits are fixed windows of WINDOW seconds: start a scenario only with `seconds` of
    its window left, so no scenario's counts are split by a new window."""
    left = WINDOW - time.time() % WINDOW
    if left < seconds:
        time.sleep(left + 0.2)


def alternate(ports: list[int]):
    """A, B, A, B, ...: each request to the other process than the one before."""
    return itertools.cycle(ports)


def retry_after(response: requests.Response, *, at_most: int = WINDOW) -> int:
    value = response.headers.get("Retry-After", "")
    assert value.isdigit(), f"429 without a whole-seconds Retry-After: {value!r}"
    assert 1 <= int(value) <= at_most
    return int(value)


@pytest.fixture
def board():
    """A feature (records, an explanation by someone else) in an active campaign."""
    feature = make_feature()
    make_campaign(features=[feature])
    other = make_explanation(feature=feature, author=make_user(), text="the fruit banana")
    return feature, other


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user, name='flood')[1]}"}


def send(scope: str, port: int, board, *, headers: dict[str, str], address: str) -> requests.Response:
    feature, other = board
    base = f"http://127.0.0.1:{port}/api"
    headers = {**headers, "X-Forwarded-For": address}
    if scope == "submit":
        n = next(_texts)
        body = {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index,
                "text": f"{WORDS[n % len(WORDS)]} and {WORDS[(n * 7 + 3) % len(WORDS)]} number {n}"}
        return requests.post(f"{base}/explanations", json=body, headers=headers, timeout=30)
    if scope == "vote":
        return requests.post(f"{base}/explanations/{other.pk}/vote", headers=headers, timeout=30)
    return requests.get(f"{base}/puzzle/next", headers=headers, timeout=30)


SUCCESS = {"submit": 201, "vote": 200, "puzzle": 200}


def written(scope: str, board, users) -> int:
    """Rows the allowed requests wrote: a refused request writes nothing."""
    feature, other = board
    if scope == "submit":
        return Explanation.objects.filter(feature=feature, author__in=users).count()
    if scope == "vote":
        return Vote.objects.filter(explanation=other, user__in=users).count()
    return PuzzleView.objects.filter(user__in=users).count()


@pytest.mark.parametrize("scope", SCOPES)
@across_processes
def test_one_user_flooding_both_processes_is_counted_once(two_processes, board, scope) -> None:
    player = make_user()
    auth = bearer(player)
    address = next(_addresses)
    window_with_room()
    ports = alternate(two_processes)
    answers = [(port, send(scope, port, board, headers=auth, address=address))
               for port in itertools.islice(ports, USER_LIMIT + 2)]
    statuses = [r.status_code for _, r in answers]
    # Three to A, two to B pass; the sixth (on B) is refused, and A refuses the seventh too.
    assert statuses[:USER_LIMIT] == [SUCCESS[scope]] * USER_LIMIT, [r.text for _, r in answers]
    assert statuses[USER_LIMIT:] == [429, 429]
    assert answers[USER_LIMIT][0] != answers[USER_LIMIT + 1][0]
    for _, r in answers[USER_LIMIT:]:
        retry_after(r)
    # A repeated vote writes nothing new (idempotent); each allowed submission or puzzle, one row.
    assert written(scope, board, [player]) == (1 if scope == "vote" else USER_LIMIT)


@pytest.mark.parametrize("scope", SCOPES)
@across_processes
def test_many_users_behind_one_address_share_its_limit_across_processes(two_processes, board, scope) -> None:
    players = [make_user() for _ in range(IP_LIMIT + 1)]
    auths = [bearer(p) for p in players]
    address = next(_addresses)
    window_with_room()
    answers = [send(scope, port, board, headers=auth, address=address)
               for port, auth in zip(alternate(two_processes), auths)]
    assert [r.status_code for r in answers] == [SUCCESS[scope]] * IP_LIMIT + [429], [r.text for r in answers]
    retry_after(answers[-1])
    assert written(scope, board, players) == IP_LIMIT
    # It is the address that is spent, not the last player's own budget.
    elsewhere = send(scope, two_processes[0], board, headers=auths[-1], address=next(_addresses))
    assert elsewhere.status_code == SUCCESS[scope], elsewhere.text


@across_processes
def test_anonymous_puzzles_from_one_address_share_its_limit_across_processes(two_processes, board) -> None:
    address = next(_addresses)
    window_with_room()
    answers = [send("puzzle", port, board, headers={}, address=address)
               for port in itertools.islice(alternate(two_processes), IP_LIMIT + 2)]
    assert [r.status_code for r in answers] == [200] * IP_LIMIT + [429, 429], [r.text for r in answers]
    for r in answers[IP_LIMIT:]:
        retry_after(r)
    assert PuzzleView.objects.filter(user=None).count() == IP_LIMIT
    assert send("puzzle", two_processes[1], board, headers={}, address=next(_addresses)).status_code == 200


LOGIN_LIMIT = 30  # allauth's "login": "30/m/ip", every POST to the login page
FAILED_PER_KEY = 5  # allauth's "login_failed": "10/m/ip,5/5m/key", failed attempts per e-mail
TOO_MANY = "Too many failed login attempts"


@across_processes
def test_logins_are_limited_across_processes_and_the_429_says_when_to_return(two_processes) -> None:
    """allauth counts in the Django cache (Redis here): failed logins for one e-mail lock it
    (even the right password is refused) after five failures of which neither process saw
    more than three, and the 31st login POST from one address in a minute is a 429."""
    password = "right-password-for-flood-1"
    player = make_user(password=password)
    browser = requests.Session()  # cookies are per host, not per port: one CSRF cookie for both
    ports = alternate(two_processes)
    page = browser.get(f"http://127.0.0.1:{two_processes[0]}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def login(port: int, secret: str) -> requests.Response:
        return browser.post(f"http://127.0.0.1:{port}/accounts/login/", timeout=30, allow_redirects=False,
                            data={"csrfmiddlewaretoken": token, "login": player.email, "password": secret})

    failed = [login(next(ports), "wrong-password") for _ in range(FAILED_PER_KEY)]
    assert [r.status_code for r in failed] == [200] * FAILED_PER_KEY
    assert not any(TOO_MANY in r.text for r in failed)
    locked = login(next(ports), "wrong-password")
    assert locked.status_code == 200 and TOO_MANY in locked.text
    right = login(next(ports), password)
    assert right.status_code == 200 and TOO_MANY in right.text, "the lock let the right password in"

    posts = FAILED_PER_KEY + 2
    while posts < LOGIN_LIMIT:
        response = login(next(ports), "wrong-password")
        posts += 1
        assert response.status_code == 200, f"POST {posts}: {response.status_code}"
    refused = [login(next(ports), "wrong-password") for _ in range(2)]  # one to each process
    assert [r.status_code for r in refused] == [429, 429]
    for r in refused:
        assert retry_after(r) == 60  # allauth's login window ("30/m/ip"), by accounts.middleware
        assert "Too many attempts; try again in a minute." in r.text  # templates/429.html
        assert "<h1>429 Too Many Requests</h1>" not in r.text  # not allauth's bare fallback
        assert " style=" not in r.text and not re.search(r"<script(?![^>]*\ssrc=)", r.text)
        assert r.headers.get("Content-Security-Policy")


@pytest.mark.django_db
def test_allauth_429_says_when_to_return_in_one_process_too(settings, client) -> None:
    """The same 429 on the embedded default (no PostgreSQL or Redis needed)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"lp-429-{uuid.uuid4().hex}"}}
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/m/ip"}
    form = {"login": "nobody@example.com", "password": "wrong-password"}
    assert client.post("/accounts/login/", form).status_code == 200
    refused = client.post("/accounts/login/", form)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many attempts; try again in a minute." in refused.content.decode()
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/90s/ip,3/2m/ip"}  # new rates, new (empty) histories
    assert client.post("/accounts/login/", form).status_code == 200
    assert client.post("/accounts/login/", form)["Retry-After"] == "120"  # the longest window
