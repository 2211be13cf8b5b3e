"""Self-serve SAE upload: checked at once (a malformed SAE is refused with its reason, nothing
stored), limited, built by its job into a published source the in-process model answers for
without a restart, put in play by a moderator and unpublished by one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from game.models import Campaign, Feature, Source
from jobs.models import Job
from jobs.registry import get_handler
from moderation.models import AuditEntry
from research.models import SourceUpload
from research.uploads import JOB_NAME
from tests.factories import make_user
from tests.game.api_helpers import logged_in, post_json
from tests.inference.model_pack import MODEL_SLUG
from tests.moderation.helpers import make_moderator
from tests.research.upload_helpers import cfg_with, files, write_sae

pytestmark = pytest.mark.django_db
URL = "/api/sources/upload"


@pytest.fixture
def model(upload_model):
    return upload_model


@pytest.fixture
def sae(tmp_path) -> Path:
    return write_sae(tmp_path / "sae")


def upload(client: Client, sae: Path, **fields):
    body = {"model": MODEL_SLUG, **files(sae, cfg=fields.pop("cfg", None), weights=fields.pop("weights", None),
                                         weights_name=fields.pop("weights_name", "sae_weights.safetensors")),
            **fields}
    return client.post(URL, body)


def run_job(upload_id: int) -> None:
    job = Job.objects.get(name=JOB_NAME, payload__upload_id=upload_id)
    get_handler(JOB_NAME).run(job.payload)


def stored(settings) -> list[str]:
    location = settings.STORAGES["sae_uploads"].get("OPTIONS", {}).get("location")
    if not location or not Path(location).exists():
        return []
    return sorted(str(p.relative_to(location)) for p in Path(location).rglob("*") if p.is_file())


# --- Refused at once, nothing kept -----------------------------------------------------------------


def test_logging_in_is_needed(model, sae) -> None:
    answer = upload(Client(), sae)
    assert answer.status_code == 401


@pytest.mark.parametrize("change, status, field, says", [
    ({"cfg": b"{not json"}, 400, "cfg", "not valid JSON"),
    ({"cfg_changes": {"hook_name": "blocks.7.hook_resid_post"}}, 400, "cfg", "hook point 'blocks.7.hook_resid_post'"),
    ({"cfg_changes": {"d_in": 32}}, 400, "cfg", "d_in is 32"),
    ({"cfg_changes": {"architecture": "gated-ish"}}, 400, "cfg", "not supported"),
    ({"weights": b"\x80\x04\x95pickle", "weights_name": "sae.pt"}, 400, "weights", ""),
    ({"model": "no-such-model"}, 404, "model", "no model"),
    ({"slug": "Bad Name!"}, 400, "slug", "lowercase"),
    ({"slug": "0-mlp"}, 409, "slug", "already has a source"),
])
def test_a_malformed_upload_is_refused_with_its_reason_and_nothing_is_kept(model, sae, settings, change, status,
                                                                           field, says) -> None:
    client = logged_in(make_user())
    change = dict(change)
    if "cfg_changes" in change:
        change["cfg"] = cfg_with(sae, **change.pop("cfg_changes"))
    answer = upload(client, sae, **change)
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["field"] == field and says in body["error"], body
    assert SourceUpload.objects.count() == 0 and not Job.objects.filter(name=JOB_NAME).exists()
    assert stored(settings) == []


def test_an_upload_over_the_size_limit_is_413(model, sae, settings) -> None:
    settings.SAE_UPLOAD_MAX_BYTES = 1000
    answer = upload(logged_in(make_user()), sae)
    assert answer.status_code == 413 and "limit is 1,000" in answer.json()["error"]
    assert SourceUpload.objects.count() == 0


def test_limits_on_uploads_in_progress_per_user_and_site_and_per_day(model, sae, settings) -> None:
    settings.SAE_UPLOAD_SITE_RUNNING = 2
    ada, bob, cy = (logged_in(make_user(username=n)) for n in ("ada", "bob", "cy"))
    assert upload(ada, sae, slug="a-one").status_code == 202
    second = upload(ada, sae, slug="a-two")
    assert second.status_code == 429 and "already have an upload" in second.json()["error"]
    assert upload(bob, sae, slug="b-one").status_code == 202
    full = upload(cy, sae, slug="c-one")
    assert full.status_code == 429 and "as many uploaded SAEs as it can" in full.json()["error"]

    SourceUpload.objects.update(status=SourceUpload.Status.FAILED)  # none in progress any more
    settings.SAE_UPLOAD_USER_DAILY = 1
    daily = upload(ada, sae, slug="a-three")
    assert daily.status_code == 429 and "last 24 hours" in daily.json()["error"]
    assert SourceUpload.objects.count() == 2


def test_an_upload_is_accepted_stored_queued_and_only_its_owner_sees_it(model, sae, settings) -> None:
    ada = logged_in(make_user(username="ada"))
    answer = upload(ada, sae, slug="0-res-mine", description="my first SAE")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["status"], body["slug"], body["hook_point"], body["width"], body["architecture"]) == (
        "queued", "0-res-mine", "blocks.0.hook_resid_post", 12, "topk")
    assert stored(settings) == [f"uploads/{body['job_id']}/cfg.json", f"uploads/{body['job_id']}/sae_weights.safetensors"]
    assert Job.objects.filter(name=JOB_NAME, payload__upload_id=body["job_id"]).count() == 1
    assert ada.get(f"{URL}/{body['job_id']}").json()["status"] == "queued"
    assert logged_in(make_user(username="bob")).get(f"{URL}/{body['job_id']}").status_code == 404
    assert [u["job_id"] for u in ada.get("/api/sources/uploads").json()["uploads"]] == [body["job_id"]]


def test_a_name_is_made_from_the_hook_point_when_none_is_given(model, sae) -> None:
    body = upload(logged_in(make_user()), sae).json()
    assert body["slug"].startswith("0-res-sae-")


# --- Built, published, in play ---------------------------------------------------------------------


def test_the_job_publishes_a_source_the_running_model_answers_for_without_a_restart(model, sae, settings) -> None:
    ada_user = make_user(username="ada")
    ada = logged_in(ada_user)
    # The in-process engine is loaded (and knows only the pack's sources) before the upload.
    before = post_json(Client(), "/api/activation/test", {"model": MODEL_SLUG, "source": "0-mlp", "index": 0,
                                                           "text": "the cat sat on the mat"})
    assert before.status_code == 200, before.content
    unknown = post_json(Client(), "/api/activation/test", {"model": MODEL_SLUG, "source": "0-res-mine", "index": 0,
                                                            "text": "the cat sat"})
    assert unknown.status_code == 404

    job_id = upload(ada, sae, slug="0-res-mine").json()["job_id"]
    run_job(job_id)
    status = ada.get(f"{URL}/{job_id}").json()
    assert (status["status"], status["progress"], status["error"]) == ("published", 1.0, None), status
    source = Source.objects.get(model=model, slug="0-res-mine")
    assert (source.kind, source.width, source.uploaded_by, source.published) == ("sae", 12, ada_user, True)
    live = Feature.objects.filter(source=source, max_activation__gt=0)
    assert live.exists() and all(f.records.exists() for f in live)
    assert source.features.filter(explanations__author_model__isnull=False).exists()  # baselines
    page = Client().get(status["source_url"])
    assert page.status_code == 200 and b"not in play until a moderator approves it" in page.content
    assert b'href="/u/ada"' in page.content
    assert any(p.startswith("sources/tiny-infer/0-res-mine/") for p in stored(settings))

    first = int(status["source_url"].rsplit("/", 1)[1])
    answer = post_json(Client(), "/api/activation/test", {"model": MODEL_SLUG, "source": "0-res-mine",
                                                           "index": first, "text": "the cat sat on the mat"})
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["values"]) == len(answer.json()["tokens"])
    # Browsable at once, but not in play until a moderator says so.
    assert not Feature.objects.in_play().filter(source=source).exists()
    assert status["in_play"] is False


def test_a_moderator_puts_it_in_play_and_can_unpublish_it(model, sae) -> None:
    ada = logged_in(make_user(username="ada"))
    job_id = upload(ada, sae, slug="0-res-mine").json()["job_id"]
    run_job(job_id)
    source = Source.objects.get(model=model, slug="0-res-mine")
    base = f"/api/moderation/sources/{MODEL_SLUG}/0-res-mine"
    assert post_json(ada, f"{base}/approve", {}).status_code == 403

    mod = logged_in(make_moderator(username="mo"))
    queue = mod.get("/api/moderation/uploads").json()["uploads"]
    assert [(u["slug"], u["uploader"]) for u in queue] == [("0-res-mine", "ada")]
    approved = post_json(mod, f"{base}/approve", {"reason": "looks fine"})
    assert approved.status_code == 201 and approved.json()["action"] == "source_approve"
    assert Campaign.objects.filter(active=True).count() == 1
    in_play = Feature.objects.in_play().filter(source=source)
    assert in_play.count() == Feature.objects.filter(source=source, max_activation__gt=0).count() > 0
    assert ada.get(f"{URL}/{job_id}").json()["in_play"] is True
    assert mod.get("/api/moderation/uploads").json()["uploads"] == []
    index = in_play.first().index
    puzzle = ada.get(f"/api/puzzle/feature/{MODEL_SLUG}/0-res-mine/{index}")
    assert puzzle.status_code == 200 and puzzle.json()["feature"]["source"] == "0-res-mine"

    assert post_json(mod, f"{base}/unpublish", {"reason": ""}).status_code == 400
    gone = post_json(mod, f"{base}/unpublish", {"reason": "duplicate of another source"})
    assert gone.status_code == 201
    assert not Feature.objects.in_play().filter(source=source).exists()
    assert Client().get(f"/{MODEL_SLUG}/0-res-mine/{index}").status_code == 404
    assert Client().get(f"/api/feature/{MODEL_SLUG}/0-res-mine/{index}").status_code == 404
    assert Client().get(f"/map/{MODEL_SLUG}/0-res-mine").status_code == 404
    searched = post_json(Client(), "/api/search/all", {"model": MODEL_SLUG, "text": "the cat", "sources": ["0-res-mine"]})
    assert searched.status_code == 404
    mine = ada.get(f"{URL}/{job_id}").json()
    assert (mine["status"], mine["error"], mine["source_url"]) == ("unpublished", "duplicate of another source", None)
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == ["source_approve",
                                                                                     "source_unpublish"]
    assert post_json(mod, f"{base}/approve", {}).status_code == 409


def test_a_build_that_fails_for_good_says_so_on_the_upload(model, sae) -> None:
    job_id = upload(logged_in(make_user()), sae).json()["job_id"]
    get_handler(JOB_NAME).on_give_up({"upload_id": job_id}, "worker lost three times")
    found = SourceUpload.objects.get(pk=job_id)
    assert found.status == "failed" and "worker lost three times" in found.error


def test_the_upload_page_needs_a_login_and_lists_the_uploads(model, sae) -> None:
    assert Client().get("/sources/upload").status_code == 302
    ada = logged_in(make_user(username="ada"))
    upload(ada, sae, slug="0-res-mine")
    page = ada.get("/sources/upload")
    assert page.status_code == 200 and b"tiny-infer/0-res-mine" in page.content


@pytest.fixture(params=["in-memory", "s3"])
def object_storage(request, settings, monkeypatch):
    """A storage with no local paths: Django's in-memory one, and S3 through django-storages
    (boto3 against moto's S3, in process)."""
    if request.param == "in-memory":
        settings.STORAGES = {**settings.STORAGES, "sae_uploads": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
        yield request.param
        return
    boto3 = pytest.importorskip("boto3", reason="object storage needs boto3 (django-storages[s3])")
    moto = pytest.importorskip("moto", reason="the S3 test runs against moto")
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="lp-sae")
        settings.STORAGES = {**settings.STORAGES, "sae_uploads": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "lp-sae", "region_name": "us-east-1", "file_overwrite": True}}}
        yield request.param


def test_with_a_storage_that_is_not_a_local_folder_hosts_load_the_source_from_a_copy(model, sae, settings,
                                                                                    object_storage) -> None:
    # Object storage has no local paths: the job reads the upload back from it, and the engine
    # loads the published source from a copy in SAE_UPLOADS_CACHE.
    ada = logged_in(make_user(username="ada"))
    job_id = upload(ada, sae, slug="0-res-remote").json()["job_id"]
    assert stored(settings) == []  # nothing written to a folder
    run_job(job_id)
    status = ada.get(f"{URL}/{job_id}").json()
    assert status["status"] == "published", status
    first = int(status["source_url"].rsplit("/", 1)[1])
    answer = post_json(Client(), "/api/activation/test", {"model": MODEL_SLUG, "source": "0-res-remote",
                                                           "index": first, "text": "the cat sat on the mat"})
    assert answer.status_code == 200, answer.content
    copy = Path(settings.SAE_UPLOADS_CACHE) / MODEL_SLUG / "0-res-remote"
    assert (copy / "pack.json").is_file() and (copy / "saes" / "0-res-remote" / "cfg.json").is_file()


def test_the_upload_routes_are_in_the_openapi_document() -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    post = paths["/api/sources/upload"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"202", "400", "401", "413", "429"} <= set(post["responses"])
    assert "get" in paths["/api/sources/upload/{job_id}"]
    assert {"/api/moderation/sources/{model}/{source}/approve",
            "/api/moderation/sources/{model}/{source}/unpublish"} <= set(paths)


def test_the_moderation_page_lists_a_waiting_upload_and_its_forms_approve_and_unpublish(model, sae) -> None:
    ada = logged_in(make_user(username="ada"))
    job_id = upload(ada, sae, slug="0-res-mine", description="<b>my</b> SAE").json()["job_id"]
    run_job(job_id)
    source = Source.objects.get(model=model, slug="0-res-mine")
    mod = logged_in(make_moderator(username="mo"))
    page = mod.get("/moderation")
    assert page.status_code == 200 and b'data-source="tiny-infer/0-res-mine"' in page.content
    assert b"&lt;b&gt;my&lt;/b&gt; SAE" in page.content  # the uploader's text, escaped
    form = {"model": MODEL_SLUG, "source": "0-res-mine", "next": "/moderation"}
    assert ada.post("/moderation/sources", {**form, "action": "approve"}).status_code == 403

    refused = mod.post("/moderation/sources", {**form, "action": "unpublish", "reason": ""}, follow=True)
    assert b"Say why the source is unpublished" in refused.content
    assert Source.objects.get(pk=source.pk).published

    mod.post("/moderation/sources", {**form, "action": "approve"})
    assert Feature.objects.in_play().filter(source=source).exists()
    assert b'data-source="tiny-infer/0-res-mine"' not in mod.get("/moderation").content
    mod.post("/moderation/sources", {**form, "action": "unpublish", "reason": "broken"})
    assert not Source.objects.get(pk=source.pk).published


def test_uploads_are_in_the_players_data_download(model, sae) -> None:
    ada = logged_in(make_user(username="ada"))
    upload(ada, sae, slug="0-res-mine", description="mine")
    data = json.loads(ada.get("/api/me/data").content)
    assert [(u["model"], u["slug"], u["description"], u["status"]) for u in data["uploads"]] == [
        (MODEL_SLUG, "0-res-mine", "mine", "queued")]


def test_weights_that_pass_the_header_check_but_hold_nans_are_refused_by_the_job_with_the_reason(model, sae) -> None:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(sae / "sae_weights.safetensors"))
    tensors["W_dec"][0, 0] = float("nan")
    save_file(tensors, str(sae / "sae_weights.safetensors"))
    ada = logged_in(make_user(username="ada"))
    answer = upload(ada, sae, slug="0-res-nan")
    assert answer.status_code == 202  # the header is fine: shapes, names and dtype
    run_job(answer.json()["job_id"])
    status = ada.get(f"{URL}/{answer.json()['job_id']}").json()
    assert (status["status"], status["field"], status["stage"]) == ("failed", "weights", "Refused")
    assert "NaN or infinite values (in W_dec)" in status["error"]
    assert not Source.objects.filter(model=model, slug="0-res-nan").exists()
    # A failed upload frees its name and its place in the limits.
    assert upload(ada, write_sae(sae.parent / "again"), slug="0-res-nan").status_code == 202
