"""The map of a source in a real browser (the live server, as in tests/research/test_browser.py):
dots drawn where the features sit, an explanation read by pointing, and a box selection saved
as a list that then holds exactly the features inside the box."""

from __future__ import annotations

import pytest

from game.models import Explanation, Feature, Source
from research.models import FeatureList
from tests.game.browser_data import PASSWORD
from tests.game.test_browser import ARTIFACTS, browser  # noqa: F401 (a fixture)
from tests.inference.model_pack import MODEL_SLUG
from tests.research.browser_helpers import log_in, new_page
from tests.research.test_browser import orm_beside_playwright  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser]

# Two groups: three features low on the left, two high on the right.
PLACES = {0: (0.1, 0.1), 1: (0.15, 0.2), 2: (0.2, 0.12), 3: (0.85, 0.9), 4: (0.9, 0.8)}


def test_a_box_selection_on_the_map_saves_a_list_of_those_features(orm_beside_playwright, browser,  # noqa: F811
                                                                    live_server, catalogue, django_user_model) -> None:
    from playwright.sync_api import expect

    source = Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-std")
    for index, (x, y) in PLACES.items():
        feature = Feature.objects.create(source=source, index=index, max_activation=1.0 + index, map_x=x, map_y=y)
        Explanation.objects.create(feature=feature, text=f"<i>group</i> {'left' if x < 0.5 else 'right'} {index}",
                                   author_model="baseline", score_value=0.3)
    django_user_model.objects.create_user("mapper", "mapper@example.com", PASSWORD)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = new_page(browser, height=1000)
    log_in(page, live_server, "mapper", f"/map/{MODEL_SLUG}/0-res-std")

    dots = page.locator("#map-svg .map-dot")
    expect(dots).to_have_count(len(PLACES))
    expect(page.locator("#map-status")).to_have_text("5 features.")
    dots.nth(3).hover()
    expect(page.locator("#map-tip")).to_contain_text("<i>group</i> right 3")

    # A box around the left group, in screen coordinates from the dots' own positions.
    boxes = [dots.nth(i).bounding_box() for i in range(len(PLACES))]
    left = [b for i, b in enumerate(boxes) if PLACES[i][0] < 0.5]
    x0, y0 = min(b["x"] for b in left) - 15, min(b["y"] for b in left) - 15
    x1, y1 = max(b["x"] + b["width"] for b in left) + 15, max(b["y"] + b["height"] for b in left) + 15
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    expect(page.locator("#map-count")).to_have_text("3")
    expect(page.locator("#map-svg .map-dot.picked")).to_have_count(3)
    page.fill("#map-list-name", "Left group")
    page.click("#map-save-btn")
    expect(page.locator("#map-saved")).to_contain_text("Left group (3 features)")
    page.screenshot(path=str(ARTIFACTS / "research-map-selection.png"), full_page=True)

    saved = FeatureList.objects.get(name="Left group")
    assert sorted(saved.items.values_list("feature__index", flat=True)) == [0, 1, 2]
    page.click("#map-saved a")
    expect(page.locator(".list-items tbody tr")).to_have_count(3)
    context.close()
    assert errors == []
