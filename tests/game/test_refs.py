"""`Feature.ref` and `Feature.get_absolute_url`: one way to name a feature and link to it."""

from __future__ import annotations

import pytest

from game.refs import FeatureRef
from tests.factories import make_feature, make_model, make_source


@pytest.mark.django_db
def test_a_features_ref_and_url_come_from_its_slugs_and_index(client):
    feature = make_feature(source=make_source(model=make_model(slug="gpt"), slug="6-res-sae"), index=42)
    assert feature.ref.as_dict() == {"model": "gpt", "source": "6-res-sae", "index": 42}
    assert str(feature.ref) == "gpt/6-res-sae/42"
    assert feature.get_absolute_url() == "/gpt/6-res-sae/42"
    assert client.get(feature.get_absolute_url()).status_code == 200


def test_a_ref_parses_back_from_its_text_and_opens_the_puzzle():
    ref = FeatureRef("gpt", "6-res-sae", 42)
    assert FeatureRef.parse(str(ref)) == ref
    assert ref.play_url() == "/play?feature=gpt/6-res-sae/42"
    assert ref.sibling(7).url() == "/gpt/6-res-sae/7"


@pytest.mark.parametrize("raw", ["", "../../etc", "a/b", "a/b/c", "a/b/1/2", "a b/c/1", "a/b/1234567890"])
def test_anything_else_is_not_a_ref(raw):
    assert FeatureRef.parse(raw) is None
