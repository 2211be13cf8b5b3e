"""Helpers for API tests: JSON requests through the Django test client."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def post_json(client: Client, path: str, data: Any = None, **extra: Any):
    return client.post(path, data=json.dumps(data if data is not None else {}), content_type="application/json", **extra)


def patch_json(client: Client, path: str, data: Any, **extra: Any):
    return client.patch(path, data=json.dumps(data), content_type="application/json", **extra)


def submit(client: Client, feature, text: str, **extra: Any):
    source = feature.source
    return post_json(
        client, "/api/explanations",
        {"model": source.model.slug, "source": source.slug, "index": feature.index, "text": text}, **extra,
    )


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
