"""Latentpedia settings.

Every deployment-specific value comes from the environment. With no variables set the
project runs "embedded": SQLite, an in-memory channel layer, a local-memory cache and the
database-backed job queue. `DATABASE_URL` switches to PostgreSQL and `REDIS_URL` to Redis
for the channel layer and the cache, so several web and worker processes agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


# Off unless asked for (DEBUG=1): tracebacks and settings never reach a visitor by default.
DEBUG = env_bool("DEBUG", default=False)
# HTTPS=1: the site is served over HTTPS (usually behind a proxy that terminates TLS).
HTTPS = env_bool("HTTPS", default=False)


def _local_secret_key(path: Path) -> str:
    """The embedded default's key: generated on first start into a git-ignored file, then
    reused, so sessions survive restarts. Written atomically (several processes may start at
    once): a temporary file linked into place, the first link wins."""
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(secrets.token_urlsafe(50) + "\n")
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    # A deployment (HTTPS or its own database) without DEBUG must bring its own key, shared by
    # every process; only the embedded default (or a DEBUG run) makes one up locally.
    if not DEBUG and (HTTPS or env_str("DATABASE_URL")):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A deployment (HTTPS=1 or DATABASE_URL set) with DEBUG off needs "
            "SECRET_KEY in the environment: 50 or more random characters, the same in every process, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = _local_secret_key(Path(env_str("SECRET_KEY_FILE", str(BASE_DIR / ".run" / "secret_key"))))
ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS").split(",") if o]
# How many reverse proxies in front of the site append to X-Forwarded-For; the client address
# used by rate limits is then the one that many entries from the right. 0: REMOTE_ADDR only
# (the header is then ignored: any client could write it).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# allauth's login limits count the same client address as ours.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe the backends over plain HTTP and take a redirect for "unhealthy".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Only correct behind a proxy that sets (and overwrites) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SITE_NAME = env_str("SITE_NAME", "Latentpedia")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "channels",
    "jobs",
    "game",
    "accounts",
    "scoring",
    # inference_client is a library, not an app: its engine and server run without Django.
    "research",
    "moderation",
    "pipeline",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files without DEBUG, from STATIC_ROOT (`manage.py collectstatic`, run by scripts/start).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's 429s (login, signup...) say when to come back, as the API's do.
    "accounts.middleware.RetryAfterMiddleware",
    # Last, so the first to see a view's error: an unreachable database is a 503, not a 500.
    "latentpedia.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = env_str("LATENTPEDIA_URLCONF", "latentpedia.urls")
# Embedded (the local-memory cache of the one process), sessions are read from the cache and
# written through to the database: a logged-in request costs no session query. At scale they stay
# in PostgreSQL alone, so a Redis restart logs nobody out nor fails their requests.
SESSION_ENGINE = ("django.contrib.sessions.backends.db" if env_str("REDIS_URL")
                  else "django.contrib.sessions.backends.cached_db")
CSRF_FAILURE_VIEW = "latentpedia.errors.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "latentpedia.context_processors.site",
                "moderation.context_processors.moderation",
            ],
        },
    },
]

WSGI_APPLICATION = "latentpedia.wsgi.application"
ASGI_APPLICATION = "latentpedia.asgi.application"
# HTTP requests running at once in one ASGI process (`latentpedia.asgi_handler`): Python runs one
# thread at a time, and more threads only queue behind each other. Requests running longer
# than ASGI_SLOW_REQUEST_S stop counting, so a slow one never holds up the quick ones.
ASGI_REQUEST_THREADS = env_int("ASGI_REQUEST_THREADS", 2)
ASGI_SLOW_REQUEST_S = float(env_str("ASGI_SLOW_REQUEST_S", "0.5"))

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
# WAL lets the web process read while the worker writes; the timeout makes concurrent writers
# wait for the lock instead of failing at once. For every SQLite database, default or URL.
SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASE_URL:
    # Persistent connections are checked before reuse: one that a database restart broke is
    # replaced at the next request instead of failing it.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                                  conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": dict(SQLITE_OPTIONS),
            # Opening a SQLite connection (file, schema, SQL functions) costs more than most
            # requests: the ASGI handler's request threads keep theirs between requests.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    from redis.asyncio.retry import Retry as RedisRetry
    from redis.backoff import ExponentialBackoff as RedisBackoff

    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times sockets out after 5 s, exactly channels-redis's 5 s blocking pop:
            # an idle websocket's receive loop would die with TimeoutError. Give it room.
            "CONFIG": {
                # After a Redis restart, pooled connections are dead: retried on a fresh one rather
                # than failing a websocket once each. A burst of handshakes needs more than the
                # pool's default 100 connections.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000,
                           "retry": RedisRetry(RedisBackoff(cap=1.0, base=0.1), 4)}],
                "prefix": env_str("CHANNEL_PREFIX", "latentpedia"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_PREFIX", "latentpedia"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Sessions live here (cached_db) beside rate-limit counters: the default 300 entries would
    # evict a busy site's sessions every few seconds and send each request to the database.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_ENTRIES", 50_000)}}}

# --- Auth -------------------------------------------------------------------------------
# Django's and allauth's backends, reading a logged-in request's user with written-out SQL.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PasswordBackend",
    "accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_REDIRECT_URL = "/play"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Only providers that verify e-mail may attach to an existing local account.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS: dict = {}
if env_str("GITHUB_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APPS": [{"client_id": env_str("GITHUB_CLIENT_ID"), "secret": env_str("GITHUB_CLIENT_SECRET"), "key": ""}],
        "SCOPE": ["user:email"],
    }
if env_str("GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": env_str("GOOGLE_CLIENT_ID"), "secret": env_str("GOOGLE_CLIENT_SECRET"), "key": ""}],
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
    }
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Where each OAuth provider's login form ends up (its authorization page): see form-action below.
OAUTH_FORM_ORIGINS = {"github": "https://github.com", "google": "https://accounts.google.com"}
# No inline script or style anywhere (templates/ has none): injected markup cannot run or restyle.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        # 'self' also matches ws:/wss: to this host (CSP3): the game websocket.
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        # Chrome also checks where a form's POST redirects: an OAuth login posts here, then goes on.
        "form-action": ["'self'", *(OAUTH_FORM_ORIGINS[p] for p in SOCIALACCOUNT_PROVIDERS if p in OAUTH_FORM_ORIGINS)],
        "object-src": ["'none'"],
    },
}

# --- i18n / static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# --- Latentpedia ----------------------------------------------------------------------------
PACKS_DIR = Path(env_str("PACKS_DIR", str(BASE_DIR / "packs")))
DEMO_PACK = Path(env_str("DEMO_PACK", str(PACKS_DIR / "demo")))
# Where the model behind live inference lives: empty = in-process from the imported pack,
# otherwise the base URL of an inference server (inference_client/server.py).
INFERENCE_URL = env_str("INFERENCE_URL")
INFERENCE_MAX_TOKENS = env_int("INFERENCE_MAX_TOKENS", 1024)
INFERENCE_TIMEOUT = env_float("INFERENCE_TIMEOUT", 30.0)
# (requests, window seconds) per IP for test-your-text and search-all.
INFERENCE_RATE_LIMIT = (env_int("INFERENCE_RATE_LIMIT", 30), 60)
# --- Uploaded SAEs ----------------------------------------------------------------------------
# Uploads and the sources built from them live in the "sae_uploads" storage, which every web,
# worker and inference host must reach: a local folder by default; at scale, object storage
# through django-storages, e.g. SAE_UPLOADS_STORAGE=storages.backends.s3.S3Storage with
# SAE_UPLOADS_STORAGE_OPTIONS='{"bucket_name": "lp-sae"}'. Hosts whose storage is not a local
# folder copy a source's files into SAE_UPLOADS_CACHE before loading it.
SAE_UPLOADS_DIR = Path(env_str("SAE_UPLOADS_DIR", str(BASE_DIR / ".run" / "sae_uploads")))
SAE_UPLOADS_CACHE = Path(env_str("SAE_UPLOADS_CACHE", str(BASE_DIR / ".run" / "sae_cache")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "sae_uploads": {
        "BACKEND": env_str("SAE_UPLOADS_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env_str("SAE_UPLOADS_STORAGE_OPTIONS") or "{}") or {"location": str(SAE_UPLOADS_DIR)},
    },
}
SAE_UPLOAD_MAX_BYTES = env_int("SAE_UPLOAD_MAX_BYTES", 512 * 1024 * 1024)  # weights + cfg, per upload
SAE_UPLOAD_USER_RUNNING = env_int("SAE_UPLOAD_USER_RUNNING", 1)  # queued or running, per user
SAE_UPLOAD_SITE_RUNNING = env_int("SAE_UPLOAD_SITE_RUNNING", 3)  # queued or running, site-wide
SAE_UPLOAD_USER_DAILY = env_int("SAE_UPLOAD_USER_DAILY", 5)  # uploads started per user per day
# How an in-process engine finds a source published after it loaded (an inference server is
# given `--sources-dir`, the storage's sources/ folder, instead).
INFERENCE_SOURCE_FINDER = "research.upload_storage.local_source_dir"
# Corpus tokens an uploaded SAE's records are drawn from (the pack's first documents).
SAE_UPLOAD_SCAN_TOKENS = env_int("SAE_UPLOAD_SCAN_TOKENS", 1_000_000)

# Over game.services.ratelimit.DEFAULT_LIMITS, as JSON: RATE_LIMITS_JSON='{"submit:user": [5, 60]}'.
RATE_LIMITS = {scope: tuple(limit) for scope, limit in json.loads(env_str("RATE_LIMITS_JSON") or "{}").items()}

DAILY_SCORED_EXPLANATIONS = env_int("DAILY_SCORED_EXPLANATIONS", 10)
# Share of a logged-in player's puzzles that are gold (planted, known answer): GOLD_RATE_START
# for a new player, falling to GOLD_RATE_FLOOR as their measured accuracy firms up.
GOLD_RATE_START = env_float("GOLD_RATE_START", 0.3)
GOLD_RATE_FLOOR = env_float("GOLD_RATE_FLOOR", 0.05)
EXPLANATION_MAX_CHARS = 500

SCORING_METHOD = env_str("SCORING_METHOD", "contextual-simulation")
SCORING_DAILY_BUDGET_USD = env_float("SCORING_DAILY_BUDGET_USD", 20.0)
# The offline scorer's encoder: auto | int8 | float32 (both ONNX Runtime) | bfloat16 (PyTorch).
SCORING_ENCODER_PRECISION = env_str("SCORING_ENCODER_PRECISION", "auto")
# Where each host keeps the encoder graph it builds from the installed model on first use.
SCORING_ENCODER_CACHE = Path(env_str("SCORING_ENCODER_CACHE", str(BASE_DIR / ".run" / "encoder")))
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_TIMEOUT_S = env_float("OPENAI_TIMEOUT_S", 60.0)
# How the LLM simulator reads predictions: json | chat-logprobs | completions-logprobs.
SCORING_LLM_MODE = env_str("SCORING_LLM_MODE", "json")
# {"model": [input, output]} US dollars per million tokens, over the built-in price table.
SCORING_PRICES_USD_PER_MTOK: dict[str, list[float]] = {}
SCORING_DEFAULT_PRICE_USD_PER_MTOK = (env_float("SCORING_PRICE_IN", 1.0), env_float("SCORING_PRICE_OUT", 3.0))

JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5)
# Finished jobs (done, failed, cancelled) are deleted this many days after they finished
# (the worker checks hourly; `manage.py prune_jobs` by hand). 0 keeps them forever.
JOB_PRUNE_AFTER_DAYS = env_int("JOB_PRUNE_AFTER_DAYS", 14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
