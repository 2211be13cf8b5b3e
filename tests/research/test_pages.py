"""The research pages' HTML: /search (its config, escaping, labels, no inline code) and the
test-your-text section of the feature page. The behaviour runs in a real browser in
tests/research/test_browser.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from research.selectors import search_config
from tests.factories import (
    make_explanation,
    make_feature,
    make_model,
    make_source,
    make_user,
)
from tests.latentpedia.test_csp import _inline_code, assert_strict_policy

pytestmark = pytest.mark.django_db

HOSTILE = '</script><script>alert(1)</script><img src=x onerror="alert(2)"> &amp; \u202eevil'


class _Form(HTMLParser):
    """Form controls by id, the ids that <label for> names, and the elements by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.by_id: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.by_id[attr["id"]] = {"tag": tag, **attr}
        if tag in {"input", "select", "textarea"} and attr.get("type") != "hidden":
            self.controls.append(attr.get("id") or f"<{tag} without id>")
        if tag == "label" and attr.get("for"):
            self.labelled.add(attr["for"])


def _parse(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    parser.close()
    return parser


def _config(html: str) -> dict:
    match = re.search(r'<script id="search-config" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, "no search-config script tag"
    return json.loads(match.group(1))


def _feature_url(feature) -> str:
    return reverse("feature", kwargs={"model": feature.source.model.slug, "source": feature.source.slug,
                                      "index": feature.index})


def test_the_search_page_renders_for_anyone_with_the_models_and_their_sources(client, settings):
    settings.SITE_NAME = "Latentpedia"
    model = make_model(slug="demo")
    make_source(model=model, slug="1-res-sae", layer=1, width=128)
    make_source(model=model, slug="0-mlp", kind="neurons", layer=0, width=32)
    make_model(slug="empty")  # no sources: nothing to search in it

    response = client.get(reverse("search"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Search · Latentpedia</title>" in html
    config = _config(html)
    assert [m["slug"] for m in config["models"]] == ["demo"]
    assert [(s["slug"], s["kind"], s["width"]) for s in config["models"][0]["sources"]] == [
        ("0-mlp", "MLP neurons", 32), ("1-res-sae", "Sparse autoencoder", 128)]
    assert config["maxResults"] == 100 and config["defaultResults"] == 25
    assert '<option value="demo">' in html
    assert "js/search.js" in html and "css/research.css" in html


def test_the_search_page_needs_no_inline_code_and_labels_every_input(client):
    make_source(model=make_model(slug="demo"))
    response = client.get(reverse("search"))
    html = response.content.decode()
    assert_strict_policy(response.get("Content-Security-Policy"))
    assert _inline_code(html) == []
    form = _parse(html)
    assert set(form.controls) >= {"all-text", "all-model", "all-num", "expl-q"}
    assert [c for c in form.controls if c not in form.labelled] == []
    for region in ("all-results", "expl-results"):
        assert form.by_id[region].get("aria-live") == "polite"
    for button in ("all-submit", "expl-submit", "sort-clear"):
        assert form.by_id[button]["tag"] == "button"


def test_the_search_page_escapes_a_hostile_model_name(client):
    model = make_model()
    model.name = HOSTILE
    model.save(update_fields=["name"])
    make_source(model=model)
    html = client.get(reverse("search")).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html  # the <option>'s text, escaped
    assert _config(html)["models"][0]["name"] == HOSTILE  # and the JSON gives it back unchanged
    assert _inline_code(html) == []


def test_the_search_page_says_when_there_is_nothing_to_search(client):
    response = client.get(reverse("search"))
    assert response.status_code == 200
    assert _config(response.content.decode())["models"] == []
    assert b"No model is loaded yet" in response.content


def test_the_search_config_takes_two_queries_however_many_models(django_assert_num_queries):
    for _ in range(3):
        model = make_model()
        make_source(model=model)
        make_source(model=model)
    with django_assert_num_queries(2):
        config = search_config()
    assert [len(m["sources"]) for m in config["models"]] == [2, 2, 2]


def test_the_feature_page_has_the_test_your_text_form(client):
    feature = make_feature(max_activation=4.5)
    client.force_login(make_user())  # logged in or not, the same form
    response = client.get(_feature_url(feature))
    assert response.status_code == 200
    html = response.content.decode()
    form = _parse(html)
    assert form.by_id["try-form"]["tag"] == "form"
    assert form.by_id["try-text"]["tag"] == "textarea" and "try-text" in form.labelled
    assert form.by_id["try-submit"]["tag"] == "button"
    assert form.by_id["try-out"].get("aria-live") == "polite"
    assert "Test your own text" in html and "js/feature.js" in html and "css/research.css" in html
    section = re.search(r'<section aria-labelledby="try-h"[^>]*>', html).group(0)
    assert f'data-model="{feature.source.model.slug}"' in section
    assert f'data-source="{feature.source.slug}"' in section
    assert f'data-index="{feature.index}"' in section and 'data-max="4.5"' in section
    assert_strict_policy(response.get("Content-Security-Policy"))
    assert _inline_code(html) == []


def test_the_feature_page_escapes_a_hostile_explanation(client):
    feature = make_feature()
    make_explanation(feature=feature, text=HOSTILE)
    html = client.get(_feature_url(feature)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert 'id="try-form"' in html
