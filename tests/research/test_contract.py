"""What the pages hand their scripts is what the API takes: the search page's config and the
feature page's data attributes, sent as the scripts send them, get answers from a real (tiny,
random) model. Guards against a renamed field on either side."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from game.models import Feature, Source
from inference_client.engine import InferenceEngine
from tests.game.api_helpers import post_json
from tests.inference.model_pack import MODEL_SLUG
from tests.research.test_pages import _config

pytestmark = pytest.mark.django_db
TEXT = "the cat sat on the mat"


@pytest.fixture(autouse=True)
def in_process(local_engine: InferenceEngine, catalogue):
    with override_settings(INFERENCE_URL="", INFERENCE_RATE_LIMIT=(10_000, 60)):
        yield


def test_the_search_config_makes_a_body_search_all_accepts(client: Client) -> None:
    config = _config(client.get(reverse("search")).content.decode())
    model = next(m for m in config["models"] if m["slug"] == MODEL_SLUG)
    sources = [s["slug"] for s in model["sources"]][:2]
    body = {"model": model["slug"], "text": TEXT, "sources": sources, "sort_by_token_indexes": [1],
            "num_results": config["defaultResults"]}
    response = post_json(client, "/api/search/all", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["results"] and {r["source"] for r in answer["results"]} <= set(sources)
    assert all(len(r["values"]) == len(answer["tokens"]) for r in answer["results"])


def test_the_feature_pages_data_attributes_make_a_body_activation_test_accepts(client: Client) -> None:
    feature = Feature.objects.create(source=Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-std"), index=2,
                                     max_activation=1.5)
    html = client.get(f"/{MODEL_SLUG}/0-res-std/{feature.index}").content.decode()
    section = re.search(r'<section aria-labelledby="try-h"[^>]*>', html).group(0)
    data = dict(re.findall(r'data-(model|source|index|max)="([^"]*)"', section))
    assert float(data["max"]) == 1.5
    body = {"model": data["model"], "source": data["source"], "index": int(data["index"]), "text": TEXT}
    response = post_json(client, "/api/activation/test", body)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"tokens", "values", "max_value"}
