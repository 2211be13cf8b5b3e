from __future__ import annotations

import pytest

from game.importer import import_pack
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(tmp_path):
    import_pack(write_tiny_pack(tmp_path / "p"))


def test_the_feature_route_returns_the_documented_fields(client, pack) -> None:
    body = client.get("/api/feature/tiny-model/0-res-sae/2").json()
    assert {"model", "source", "index", "max_activation", "frac_nonzero", "activations", "explanations", "logits"} <= set(body)
    assert body["index"] == 2 and body["source"] == "0-res-sae"
    first = body["activations"][0]
    assert len(first["tokens"]) == len(first["values"]) and first["max_value"] == pytest.approx(3.0)
    assert body["explanations"][0]["author_kind"] == "model"
    assert body["logits"]["promoted"][0][0] == " the"


def test_out_of_play_a_feature_shows_all_its_records_with_the_held_out_flag(client, pack) -> None:
    body = client.get("/api/feature/tiny-model/0-res-sae/0").json()
    assert body["in_play"] is False
    assert len(body["activations"]) == 7
    assert sum(a["held_out"] for a in body["activations"]) == 1


def test_an_unknown_feature_is_a_json_404(client, pack) -> None:
    response = client.get("/api/feature/tiny-model/0-res-sae/999")
    assert response.status_code == 404
    assert "No feature 999" in response.json()["error"]


def test_the_feature_page_shows_records_escaped(client, pack) -> None:
    from game.models import LanguageModel

    html = ""
    for index in range(4):
        html += client.get(f"/tiny-model/0-res-sae/{index}").content.decode()
    assert "Feature 3" in html and "Top activations" in html
    assert LanguageModel.objects.get().vocab[8] == " <script>alert(1)</script>"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;amp;" in html


def test_the_feature_page_is_404_for_an_unknown_feature(client, pack) -> None:
    assert client.get("/tiny-model/0-res-sae/999").status_code == 404
