"""Players for the load benchmark, made through the ORM of the database under test.

Run in a subprocess with the topology's environment (its DATABASE_URL), so the process that
simulates the players never touches Django's settings:

    python -m bench.accounts --n 200 --prefix load --out players.json

Each player gets a user (no usable password: nobody logs in with it), a bearer token for the
API (`accounts.tokens`, as the profile page makes them) and a logged-in session for the
websocket, which authenticates by the session cookie only. Going through signup instead
would measure allauth's password hashing, not the game.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def players_create(n: int, *, prefix: str) -> list[dict[str, Any]]:
    """`n` players named `<prefix>0001`...; made again from scratch when they exist already."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from accounts.profiles import profile_for
    from accounts.tokens import api_token_create
    from bench.players import address_for

    User = get_user_model()
    out = []
    with transaction.atomic():
        User.objects.filter(username__startswith=prefix).delete()
        for i in range(n):
            user = User(username=f"{prefix}{i + 1:04d}", email=f"{prefix}{i + 1:04d}@bench.invalid")
            user.set_unusable_password()
            user.save()
            profile_for(user)
            _, raw = api_token_create(user=user, name="load benchmark")
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            out.append({"user_id": user.pk, "username": user.username, "token": raw,
                        "session_key": session.session_key, "address": address_for(i)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--prefix", default="load")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
    import django

    django.setup()
    players = players_create(args.n, prefix=args.prefix)
    args.out.write_text(json.dumps(players))
    print(f"created {len(players)} players", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
