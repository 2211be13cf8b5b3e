"""The records scores are computed on are never shown while the feature is in play."""

from __future__ import annotations

import gzip
import json

import pytest
from django.db import transaction

from game import jobs as scoring_jobs
from game.display import visible_marks
from game.importer import import_pack
from game.models import ActivationRecord, Campaign, Explanation, Feature
from jobs.worker import work
from tests.factories import make_campaign
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db

REF = ("tiny-model", "0-res-sae", 0)


@pytest.fixture
def feature(tmp_path) -> Feature:
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)
    feature = Feature.objects.get(source__slug=REF[1], index=REF[2])
    make_campaign(features=[feature], active=True)
    return feature


def scoring_token_lists(feature: Feature) -> list[list[str]]:
    """Token lists of the held-out top records and the random records: what scores read."""
    model = feature.source.model
    records = feature.records.filter(held_out=True) | feature.records.filter(kind=ActivationRecord.Kind.RANDOM)
    out = [r.tokens(model) for r in records]
    assert len(out) == 3  # one held-out top record, two random ones in the tiny pack
    return out


def clue_token_lists(feature: Feature) -> list[list[str]]:
    model = feature.source.model
    return [r.tokens(model) for r in feature.records.filter(held_out=False).exclude(kind=ActivationRecord.Kind.RANDOM)]


def test_the_feature_api_of_an_in_play_feature_shows_no_scoring_record(client, feature) -> None:
    body = client.get("/api/feature/%s/%s/%s" % REF).json()
    shown = [a["tokens"] for a in body["activations"]]
    assert body["in_play"] is True
    assert shown and all(tokens not in shown for tokens in scoring_token_lists(feature))
    assert sorted(map(tuple, shown)) == sorted(map(tuple, clue_token_lists(feature)))
    assert not any(a["held_out"] or a["kind"] == "random" for a in body["activations"])


def test_a_feature_out_of_play_publishes_its_scoring_records(client, feature) -> None:
    Campaign.objects.update(active=False)
    body = client.get("/api/feature/%s/%s/%s" % REF).json()
    shown = [a["tokens"] for a in body["activations"]]
    assert body["in_play"] is False
    assert all(tokens in shown for tokens in scoring_token_lists(feature))
    assert sum(a["held_out"] for a in body["activations"]) == 1


def _page_records(html: str) -> list[list[str]]:
    """Each rendered record as its list of token texts, read back from the page."""
    import html as htmlmod
    import re

    rows = re.findall(r'<span class="tokens"[^>]*>(.*?)</span>\s*(?:<span class="clue-dups"|</div>)', html, re.S)
    return [[htmlmod.unescape(t) for t in re.findall(r"<bdi>(.*?)</bdi>", row, re.S)] for row in rows]


def test_the_feature_page_shows_no_scoring_record(client, feature) -> None:
    shown = _page_records(client.get("/%s/%s/%s" % REF).content.decode())
    as_shown = [[visible_marks(t) for t in tokens] for tokens in clue_token_lists(feature)]
    assert sorted(shown) == sorted(as_shown)
    for tokens in scoring_token_lists(feature):
        assert [visible_marks(t) for t in tokens] not in shown
    Campaign.objects.update(active=False)
    shown = _page_records(client.get("/%s/%s/%s" % REF).content.decode())
    held = feature.records.get(held_out=True).tokens(feature.source.model)
    assert [visible_marks(t) for t in held] in shown


def test_the_export_leaves_out_scoring_records_of_in_play_features(client, feature) -> None:
    response = client.get("/api/export/tiny-model/0-res-sae.jsonl.gz")
    lines = [json.loads(x) for x in gzip.decompress(b"".join(response.streaming_content)).decode().splitlines()]
    line = next(x for x in lines if x["index"] == 0)
    assert line["in_play"] is True
    shown = [a["tokens"] for a in line["activations"]]
    assert all(tokens not in shown for tokens in scoring_token_lists(feature))
    # Another feature, not in the campaign: published with its held-out flag.
    other = next(x for x in lines if x["index"] == 1)
    assert other["in_play"] is False and any(a["held_out"] for a in other["activations"])
    assert any(a["kind"] == "random" for a in other["activations"])


def test_score_details_of_an_in_play_feature_carry_no_record_data(client, feature, settings) -> None:
    settings.SCORING_METHOD = "offline-simulation"
    with transaction.atomic():
        e = Explanation.objects.create(feature=feature, text="the word the", author_model="tester")
        scoring_jobs.enqueue_scoring(e)
    work(burst=True)
    e.refresh_from_db()
    assert e.status == "scored"
    body = client.get(f"/api/explanations/{e.pk}").json()
    text = json.dumps(body, ensure_ascii=False)
    assert "records" not in body["score_details"] and "predicted" not in text and '"tokens"' not in text
    for tokens in scoring_token_lists(feature):
        assert json.dumps(tokens, ensure_ascii=False)[1:-1] not in text
    assert body["score_method"] == "offline-simulation" and body["score_version"] == "1"
    assert body["pack_version"] == feature.source.pack_version != ""
    assert isinstance(body["score_stderr"], float)


def test_puzzle_clues_never_include_scoring_records(client, feature) -> None:
    body = client.get("/api/puzzle/next").json()
    assert (body["feature"]["source"], body["feature"]["index"]) == (REF[1], REF[2])
    shown = [c["tokens"] for c in body["clues"] + body["quantiles"]]
    assert all(tokens not in shown for tokens in scoring_token_lists(feature))


def test_a_puzzle_opened_by_its_link_never_includes_scoring_records(client, feature) -> None:
    body = client.get("/api/puzzle/feature/%s/%s/%s" % REF).json()
    shown = [c["tokens"] for c in body["clues"] + body["quantiles"]]
    assert shown and all(tokens not in shown for tokens in scoring_token_lists(feature))
