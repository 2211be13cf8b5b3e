"""The map of a source's features: fitted from decoder directions (UMAP), carried in the pack,
taken in by the importer (also into a pack already imported), served by `GET /api/map/...`
and drawn on its page."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from game.importer import import_pack
from game.models import Explanation, Feature, PlantedFeature
from pipeline.feature_map import load_map, map_path, umap_coords, write_map
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db
MAP = "/api/map/tiny-model/0-res-sae"


@pytest.mark.slow
def test_umap_places_features_that_write_alike_together_the_same_way_every_time() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    directions = np.concatenate([c + 0.05 * rng.normal(size=(40, 32)) for c in centres])
    coords = umap_coords(directions, seed=0)
    assert coords.shape == (120, 2) and coords.dtype == np.float32
    assert coords.min() == 0.0 and coords.max() == 1.0
    np.testing.assert_array_equal(coords, umap_coords(directions, seed=0))
    groups = [coords[i * 40:(i + 1) * 40] for i in range(3)]
    within = max(np.linalg.norm(g - g.mean(axis=0), axis=1).mean() for g in groups)
    between = min(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)) for i, a in enumerate(groups) for b in groups[i + 1:])
    assert between > 3 * within, (between, within)
    with pytest.raises(ValueError, match="more than"):
        umap_coords(directions[:10])


def _pack_with_map(tmp_path):
    pack = write_tiny_pack(tmp_path / "p")
    coords = np.array([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.5, 0.5]], dtype=np.float32)
    write_map(pack, "0-res-sae", coords)
    return pack, coords


def test_a_pack_map_is_read_back_only_for_its_own_width(tmp_path) -> None:
    pack, coords = _pack_with_map(tmp_path)
    np.testing.assert_array_equal(load_map(pack, "0-res-sae", 4), coords)
    assert load_map(pack, "0-res-sae", 5) is None
    assert load_map(pack, "0-mlp", 4) is None
    np.save(map_path(pack, "0-mlp"), np.full((4, 2), np.nan, dtype=np.float32))
    assert load_map(pack, "0-mlp", 4) is None


def test_the_importer_stores_each_features_place_and_the_api_serves_it_with_explanations(tmp_path) -> None:
    pack, coords = _pack_with_map(tmp_path)
    import_pack(pack, score_baselines=False)
    placed = dict(Feature.objects.filter(source__slug="0-res-sae").values_list("index", "map_x"))
    assert placed == pytest.approx({i: float(coords[i, 0]) for i in range(4)})
    assert not Feature.objects.filter(source__slug="0-mlp", map_x__isnull=False).exists()

    feature = Feature.objects.get(source__slug="0-res-sae", index=2)
    Explanation.objects.filter(feature=feature).delete()
    Explanation.objects.create(feature=feature, text="<b>cats</b>", author_model="baseline", score_value=0.4)
    body = Client().get(MAP).json()
    assert (body["model"], body["source"]) == ("tiny-model", "0-res-sae")
    by_index = {p["index"]: p for p in body["features"]}
    assert sorted(by_index) == [0, 1, 2, 3]
    assert (by_index[2]["x"], by_index[2]["y"]) == pytest.approx((0.9, 0.1))
    assert by_index[2]["explanation"] == "<b>cats</b>"
    assert Client().get("/api/map/tiny-model/0-mlp").status_code == 404
    assert "no map yet" in Client().get("/api/map/tiny-model/0-mlp").json()["error"]
    assert Client().get("/api/map/tiny-model/nope").status_code == 404
    page = Client().get("/map/tiny-model/0-res-sae")
    assert page.status_code == 200 and b'id="map-svg"' in page.content


def test_a_map_added_to_a_pack_already_imported_is_taken_in(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "p")
    import_pack(pack, score_baselines=False)
    assert Client().get(MAP).status_code == 404
    write_map(pack, "0-res-sae", np.linspace(0, 1, 8, dtype=np.float32).reshape(4, 2))
    report = import_pack(pack, score_baselines=False)
    assert "0-res-sae" in report.sources_unchanged  # nothing else moved: no new pack version
    assert len(Client().get(MAP).json()["features"]) == 4


def test_check_features_in_play_are_not_on_the_map(tmp_path) -> None:
    pack, _ = _pack_with_map(tmp_path)
    import_pack(pack, score_baselines=False)
    feature = Feature.objects.get(source__slug="0-res-sae", index=1)
    true = Explanation.objects.create(feature=feature, text="the word cat", author_model="planted")
    PlantedFeature.objects.create(feature=feature, key="token/cat", kind="token", true_explanation=true)
    assert [p["index"] for p in Client().get(MAP).json()["features"]] == [0, 2, 3]
