from __future__ import annotations

import gzip
import json
import re

import pytest
from django.urls import get_resolver, resolve

from game.importer import import_pack
from game.models import Explanation, Feature
from tests.factories import make_user
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(tmp_path):
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)


def test_explanation_search_finds_matching_text_best_first(client, pack) -> None:
    feature = Feature.objects.get(source__slug="0-mlp", index=1)
    Explanation.objects.create(feature=feature, text="Cats and dogs", author_model="t", score_value=0.9, status="scored")
    Explanation.objects.create(feature=feature, text="cats only", author_model="t", score_value=0.2, status="scored")
    Explanation.objects.create(feature=feature, text="cats hidden", author_model="t", hidden=True)
    body = client.get("/api/search/explanations", {"q": "CATS"}).json()
    texts = [r["text"] for r in body["results"]]
    assert texts[:2] == ["Cats and dogs", "cats only"] and "cats hidden" not in texts
    assert body["results"][0]["feature"] == {"model": "tiny-model", "source": "0-mlp", "index": 1}


def test_explanation_search_needs_a_query(client) -> None:
    response = client.get("/api/search/explanations")
    assert response.status_code == 400 and response.json()["field"] == "q"


def test_the_export_holds_every_feature_and_every_players_explanation(client, pack) -> None:
    user = make_user(username="ada")
    feature = Feature.objects.get(source__slug="0-res-sae", index=2)
    Explanation.objects.create(feature=feature, text="fresh from a player", author=user, status="draft")
    response = client.get("/api/export/tiny-model/0-res-sae.jsonl.gz")
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    lines = [json.loads(x) for x in gzip.decompress(b"".join(response.streaming_content)).decode().splitlines()]
    assert [x["index"] for x in lines] == [0, 1, 2, 3]
    texts = [e["text"] for e in lines[2]["explanations"]]
    assert "fresh from a player" in texts and len(texts) == 2
    assert len(lines[0]["activations"]) == 7  # held-out records too, flagged
    assert sum(a["held_out"] for a in lines[0]["activations"]) == 1


def test_an_unknown_source_export_is_a_json_404(client, pack) -> None:
    response = client.get("/api/export/tiny-model/nope.jsonl.gz")
    assert response.status_code == 404 and "nope" in response.json()["error"]


def _api_routes() -> set[str]:
    """Every /api/ route in the URL configuration, written as OpenAPI paths."""
    routes = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            text = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, text)
            elif text.startswith("api/") and "^" not in text:
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text))

    walk(get_resolver().url_patterns, "")
    return routes


def test_the_openapi_document_lists_exactly_the_served_routes(client) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == _api_routes()
    for path in doc["paths"]:
        concrete = re.sub(r"\{\w+\}", "1", path).replace("/1.jsonl.gz", "/x.jsonl.gz")
        assert resolve(concrete).url_name != "api-not-found", path
