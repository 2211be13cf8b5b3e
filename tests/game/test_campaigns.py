from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from game.importer import import_pack
from game.models import Campaign
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack(tmp_path):
    import_pack(write_tiny_pack(tmp_path / "p"), campaign="everything", score_baselines=False)


def test_a_campaign_over_one_source_holds_its_live_features(pack) -> None:
    call_command("campaign", "create", "res", "--name", "Residual SAE", "--model", "tiny-model", "--source", "0-res-sae")
    indexes = sorted(Campaign.objects.get(slug="res").features.values_list("index", flat=True))
    assert indexes == [0, 1, 2]  # feature 3 never fires


def test_activating_a_campaign_stops_the_previous_one(pack) -> None:
    call_command("campaign", "create", "res", "--name", "Residual SAE", "--model", "tiny-model", "--source", "0-res-sae",
                 "--activate")
    assert list(Campaign.objects.filter(active=True).values_list("slug", flat=True)) == ["res"]
    call_command("campaign", "activate", "everything")
    assert list(Campaign.objects.filter(active=True).values_list("slug", flat=True)) == ["everything"]


def test_puzzles_come_from_the_active_campaign(pack, client) -> None:
    call_command("campaign", "create", "mlp", "--name", "Neurons", "--model", "tiny-model", "--source", "0-mlp", "--activate")
    sources = {client.get("/api/puzzle/next").json()["feature"]["source"] for _ in range(3)}
    assert sources == {"0-mlp"}


def test_unknown_sources_and_campaigns_are_clear_errors(pack) -> None:
    with pytest.raises(CommandError, match="No live features in nope"):
        call_command("campaign", "create", "x", "--name", "X", "--model", "tiny-model", "--source", "nope")
    with pytest.raises(CommandError, match="No campaign 'ghost'"):
        call_command("campaign", "activate", "ghost")
