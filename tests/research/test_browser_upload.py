"""SAE upload in a real browser (the live server, as in tests/research/test_browser.py): a
malformed SAE refused with its reason, a small SAE made here uploaded, its build followed on the
page to a published source, which opens, and which a moderator's approval makes a puzzle."""

from __future__ import annotations

import pytest

from game.models import Feature, Source
from jobs.models import Job
from jobs.registry import get_handler
from moderation.sources import source_approve
from research.uploads import JOB_NAME
from tests.game.browser_data import PASSWORD
from tests.game.test_browser import ARTIFACTS, browser  # noqa: F401 (a fixture)
from tests.inference.model_pack import MODEL_SLUG
from tests.moderation.helpers import make_moderator
from tests.research.browser_helpers import log_in, new_page
from tests.research.test_browser import orm_beside_playwright  # noqa: F401 (a fixture)
from tests.research.upload_helpers import cfg_with, write_sae

pytestmark = [pytest.mark.browser]


def test_an_uploaded_sae_is_refused_when_malformed_and_else_becomes_a_playable_source(
        orm_beside_playwright, browser, live_server, upload_model, django_user_model, tmp_path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    sae = write_sae(tmp_path / "sae")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cfg.json").write_bytes(cfg_with(sae, hook_name="blocks.3.hook_resid_post"))
    django_user_model.objects.create_user("uploader", "uploader@example.com", PASSWORD)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = new_page(browser, height=1100, refusals_expected=True)
    log_in(page, live_server, "uploader", "/sources/upload")

    page.set_input_files("#upload-cfg", str(bad / "cfg.json"))
    page.set_input_files("#upload-weights", str(sae / "sae_weights.safetensors"))
    page.click("#upload-submit")
    expect(page.locator("#upload-error")).to_contain_text("hook point 'blocks.3.hook_resid_post' is not one of")
    expect(page.locator("#uploads .upload")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "research-upload-refused.png"), full_page=True)

    page.set_input_files("#upload-cfg", str(sae / "cfg.json"))
    page.set_input_files("#upload-weights", str(sae / "sae_weights.safetensors"))
    page.fill("#upload-slug", "0-res-browser")
    page.click("#upload-submit")
    item = page.locator("#uploads .upload").first
    expect(item.locator(".upload-status")).to_have_text("queued")
    expect(page.locator("#upload-error")).to_have_text("")

    # The worker's part, in this process: the page follows the job by polling.
    job = Job.objects.get(name=JOB_NAME)
    get_handler(JOB_NAME).run(job.payload)
    expect(item.locator(".upload-status")).to_have_text("published", timeout=20_000)
    expect(item.locator(".upload-open")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "research-upload-published.png"), full_page=True)

    with page.expect_navigation():
        item.locator(".upload-open").click()
    expect(page.locator("h1")).to_contain_text("0-res-browser")
    expect(page.locator(".record").first).to_be_visible()

    source = Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-browser")
    source_approve(moderator=make_moderator(username="mo"), model=MODEL_SLUG, source="0-res-browser")
    index = Feature.objects.in_play().filter(source=source).order_by("index").first().index
    page.goto(f"{live_server.url}/play?feature={MODEL_SLUG}/0-res-browser/{index}")
    expect(page.locator(".clue").first).to_be_visible()
    expect(page.locator("#clues")).not_to_contain_text("<?>")  # real words, from the model's vocabulary
    expect(page.locator("#puzzle-ref")).to_contain_text("0-res-browser")
    page.screenshot(path=str(ARTIFACTS / "research-upload-playable.png"), full_page=True)
    context.close()
    # The live server answers HTTP only: the play page's websocket is refused, and it says so.
    assert [e for e in errors if "WebSocket" not in e and "socket" not in e.lower()] == []
