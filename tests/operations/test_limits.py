"""Operators edit the daily limit and budget; every process reads them from the database."""

from __future__ import annotations

import pytest

from game import site_settings
from game.models import SiteSetting
from game.services import explanations, ledger
from game.services.errors import ServiceError
from tests.factories import make_user
from tests.operations.conftest import client_for

pytestmark = pytest.mark.django_db


def test_without_an_override_the_environment_defaults_apply(settings) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 7
    settings.SCORING_DAILY_BUDGET_USD = 3.5
    assert explanations.daily_limit() == 7
    assert site_settings.daily_budget_usd() == 3.5


def test_editing_the_limit_changes_what_the_game_and_api_me_report(staff_client, settings) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 10
    player = client_for(make_user())
    assert player.get("/api/me").json()["explanations_left_today"] == 10

    response = staff_client.post("/operators", {"daily_limit": "3", "daily_budget_usd": "12.5"}, follow=True)

    assert response.redirect_chain == [("/operators", 302)]
    assert "Limits saved" in response.content.decode()
    assert explanations.daily_limit() == 3
    me = player.get("/api/me").json()
    assert me["explanations_left_today"] == 3 and me["daily_limit"] == 3


def test_editing_the_budget_changes_the_budget_left(staff_client, settings) -> None:
    settings.SCORING_DAILY_BUDGET_USD = 20.0
    staff_client.post("/operators", {"daily_limit": "10", "daily_budget_usd": "0.5"})
    assert ledger.budget_left_usd() == pytest.approx(0.5)
    assert SiteSetting.objects.get(key="daily_budget_usd").value == 0.5


def test_the_form_shows_the_values_in_force(staff_client) -> None:
    site_settings.site_settings_set(daily_limit=4, daily_budget_usd=9.0)
    html = staff_client.get("/operators").content.decode()
    assert 'name="daily_limit" value="4"' in html
    assert 'name="daily_budget_usd" value="9.0"' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"daily_limit": "1001", "daily_budget_usd": "5"}, "less than or equal to 1000"),
        ({"daily_limit": "-1", "daily_budget_usd": "5"}, "greater than or equal to 0"),
        ({"daily_limit": "2.5", "daily_budget_usd": "5"}, "Enter a whole number"),
        ({"daily_limit": "ten", "daily_budget_usd": "5"}, "Enter a whole number"),
        ({"daily_limit": "5", "daily_budget_usd": "100001"}, "less than or equal to 100000"),
        ({"daily_limit": "5", "daily_budget_usd": "-0.01"}, "greater than or equal to 0"),
        ({"daily_limit": "5", "daily_budget_usd": "nan"}, "Enter a number"),
        ({"daily_limit": "5", "daily_budget_usd": "inf"}, "Enter a number"),
        ({"daily_limit": "5"}, "This field is required"),
    ],
)
def test_invalid_values_answer_400_with_the_message_and_change_nothing(staff_client, settings, data, message) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 10
    settings.SCORING_DAILY_BUDGET_USD = 20.0

    response = staff_client.post("/operators", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SiteSetting.objects.exists()
    assert explanations.daily_limit() == 10 and site_settings.daily_budget_usd() == 20.0


def test_the_service_checks_its_values_too() -> None:
    with pytest.raises(ServiceError, match="between 0 and 1000") as exc:
        site_settings.site_settings_set(daily_limit=5000, daily_budget_usd=1.0)
    assert exc.value.extra == {"field": "daily_limit"}
    with pytest.raises(ServiceError, match="whole number"):
        site_settings.site_settings_set(daily_limit=True)
    with pytest.raises(ServiceError, match="number of US dollars"):
        site_settings.site_settings_set(daily_budget_usd=float("inf"))
    assert not SiteSetting.objects.exists()  # the valid budget beside a bad limit was not saved


def test_a_change_reaches_a_reader_that_had_cached_the_old_value() -> None:
    assert site_settings.daily_limit() == site_settings.daily_limit()  # cached now
    site_settings.site_settings_set(daily_limit=2)
    assert site_settings.daily_limit() == 2


def test_without_a_cache_the_values_come_from_the_database(monkeypatch) -> None:
    site_settings.site_settings_set(daily_limit=6)

    class Down:
        def get(self, *a, **k):
            raise ConnectionError("cache down")

        set = delete = get

    monkeypatch.setattr(site_settings, "cache", Down())
    assert site_settings.daily_limit() == 6
