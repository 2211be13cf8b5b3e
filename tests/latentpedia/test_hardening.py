"""Safe defaults: DEBUG off, a generated local key, static files without DEBUG, the site's own
error pages, the HTTPS switch passing `check --deploy`, SQLite options for a SQLite URL, and the
client address behind trusted proxies."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings

from game.api_support import client_ip
from latentpedia import errors

ROOT = Path(__file__).resolve().parents[2]
# Variables that choose a deployment; each subprocess starts from none of them.
DEPLOYMENT_VARS = {"DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS"}


def _manage(*args: str, tmp_path: Path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARS}
    env.update(DJANGO_SETTINGS_MODULE="latentpedia.settings", SQLITE_PATH=str(tmp_path / "db.sqlite3"),
               SECRET_KEY_FILE=str(tmp_path / "secret_key"), **env_vars)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


SHOW_SETTINGS = (
    "from django.conf import settings as s; import json; "
    "print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY, 'db': s.DATABASES['default']}))"
)


def _settings(tmp_path: Path, **env_vars: str) -> dict:
    done = _manage("shell", "-c", SHOW_SETTINGS, tmp_path=tmp_path, **env_vars)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_embedded_default_has_debug_off_and_a_generated_key_kept_across_starts(tmp_path) -> None:
    first = _settings(tmp_path)
    assert first["debug"] is False
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first["key"] and len(first["key"]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _settings(tmp_path)["key"] == first["key"]
    assert _settings(tmp_path, DEBUG="1")["debug"] is True


def test_the_local_key_file_is_git_ignored() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".run/secret_key"], cwd=ROOT)
    assert ignored.returncode == 0


def test_https_production_settings_pass_check_deploy_without_warnings(tmp_path) -> None:
    done = _manage("check", "--deploy", tmp_path=tmp_path, HTTPS="1", DEBUG="0",
                   SECRET_KEY=secrets.token_urlsafe(50)[:50], ALLOWED_HOSTS="example.org")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNING" not in output and "ERROR" not in output, output
    assert "System check identified no issues" in output


@pytest.mark.parametrize("deployment", [{"HTTPS": "1"}, {"DATABASE_URL": "sqlite:///{tmp}/other.sqlite3"}])
def test_a_deployment_without_secret_key_refuses_to_start(tmp_path, deployment) -> None:
    env = {k: v.format(tmp=tmp_path) for k, v in deployment.items()}
    done = _manage("check", tmp_path=tmp_path, **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "SECRET_KEY is not set" in done.stderr
    assert not (tmp_path / "secret_key").exists()
    # Given a key, it starts.
    assert _manage("check", tmp_path=tmp_path, SECRET_KEY=secrets.token_urlsafe(50), **env).returncode == 0


def test_a_sqlite_database_url_gets_the_default_files_options(tmp_path) -> None:
    default = _settings(tmp_path)["db"]
    from_url = _settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/url.sqlite3", SECRET_KEY="x" * 50)["db"]
    assert from_url["NAME"] == f"{tmp_path}/url.sqlite3"
    assert from_url["OPTIONS"] == default["OPTIONS"]
    assert from_url["OPTIONS"]["transaction_mode"] == "IMMEDIATE" and "journal_mode=WAL" in from_url["OPTIONS"]["init_command"]


# --- error pages and static files, with DEBUG off -------------------------------------------

@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_unknown_page_answers_the_sites_own_404_page(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "Page not found" in html and "/no-such-page" in html
    assert 'class="site-header"' in html  # the base layout


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_404_page_escapes_the_path(client) -> None:
    html = client.get('/x"><script>alert(1)</script>').content.decode()
    assert "<script>alert" not in html and 'x">' not in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_unknown_api_paths_stay_json(client) -> None:
    response = client.get("/api/no-such-route")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert "error" in response.json()


@override_settings(DEBUG=False)
def test_the_500_page_is_the_sites_own_and_json_under_api() -> None:
    page = errors.server_error(RequestFactory().get("/play"))
    assert page.status_code == 500
    html = page.content.decode()
    assert "Something went wrong on our side" in html and 'class="site-header"' in html
    api = errors.server_error(RequestFactory().get("/api/feature/x"))
    assert api.status_code == 500 and json.loads(api.content)["error"]


@pytest.mark.django_db
def test_static_files_are_served_without_debug_after_collectstatic(tmp_path) -> None:
    with override_settings(DEBUG=False, STATIC_ROOT=str(tmp_path / "static")):
        call_command("collectstatic", "--noinput", verbosity=0)
        response = Client().get("/static/css/site.css")
        assert response.status_code == 200
        assert b"".join(response.streaming_content).strip()


# --- client address behind proxies --------------------------------------------------------

def _request(remote: str = "10.0.0.9", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/x", **extra)


def test_by_default_no_proxy_is_trusted_and_x_forwarded_for_is_ignored() -> None:
    assert client_ip(_request("203.0.113.5", forwarded="198.51.100.1")) == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_client_is_the_last_forwarded_address() -> None:
    # The client wrote a fake first entry; the proxy appended the address it saw.
    assert client_ip(_request(forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(forwarded="198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.9")) == "10.0.0.9"  # no header: the peer
    assert client_ip(_request("10.0.0.9", forwarded="not-an-ip")) == "10.0.0.9"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_trusted_proxies_the_client_is_second_from_the_right() -> None:
    assert client_ip(_request(forwarded="1.2.3.4, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
    assert client_ip(_request(forwarded="2001:db8::1, 10.0.0.2")) == "2001:db8::1"
