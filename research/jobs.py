"""The job that turns an uploaded SAE into a published source: fetch the upload, build its
overlay pack (the model run over the corpus through the SAE: records, dashboards, baseline
explanations, map), store it where inference hosts find it, and import it. Progress goes to
the upload's row, which the upload page polls."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.registry import job_handler
from research import upload_storage
from research.models import SourceUpload
from research.uploads import JOB_NAME

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5  # the page polls about once a second; no need to write more often
# The build is most of the work: loading and importing share what is left of the bar.
BUILD_SHARE = (0.05, 0.85)


def _set(upload_id: int, **fields) -> None:
    SourceUpload.objects.filter(pk=upload_id).update(**fields, updated=timezone.now())


def _fail(upload_id: int, message: str, field: str = "") -> None:
    _set(upload_id, status=SourceUpload.Status.FAILED, error=message[:2000], error_field=field,
         stage="Refused" if field else "Failed", finished=timezone.now())


def _given_up(payload: dict, reason: str) -> None:
    _fail(payload["upload_id"], f"The build failed on the site's side ({reason[:300]}). Your files are kept; "
                                "try again later or ask a moderator.")


class _Progress:
    def __init__(self, upload_id: int) -> None:
        self.upload_id, self.last = upload_id, 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and fraction < 1.0:
            return
        self.last = now
        low, high = BUILD_SHARE
        _set(self.upload_id, stage=_STAGES.get(stage, stage)[:200],
             progress=low + (high - low) * min(max(fraction, 0.0), 1.0))


_STAGES = {
    "loading": "Loading the model and your SAE",
    "measuring": "Measuring how well your SAE reconstructs the model's activations",
    "extracting": "Running the corpus through your SAE",
    "writing": "Writing records, dashboards and baseline explanations",
    "mapping": "Placing the features on the map",
    "done": "Built",
}


@job_handler(JOB_NAME, on_give_up=_given_up)
def build_source_upload(payload: dict) -> None:
    from game.importer import import_source_pack
    from pipeline.sae_upload import UploadError
    from pipeline.uploaded_source import build_uploaded_source

    upload = SourceUpload.objects.select_related("model", "user").filter(pk=payload["upload_id"]).first()
    if upload is None or upload.status not in SourceUpload.LIVE:
        return  # deleted, or finished by a run before this one
    _set(upload.pk, status=SourceUpload.Status.RUNNING, stage=_STAGES["loading"], progress=0.01)
    model = upload.model
    with tempfile.TemporaryDirectory(prefix="sae-upload-") as tmp:
        sae_dir = upload_storage.fetch(upload.storage_prefix, Path(tmp) / "sae")
        built = Path(tmp) / "built"
        try:
            build_uploaded_source(Path(model.pack_path), sae_dir, slug=upload.slug, out=built,
                                  max_tokens=settings.SAE_UPLOAD_SCAN_TOKENS, progress=_Progress(upload.pk))
        except UploadError as exc:
            _fail(upload.pk, exc.message, exc.field or "weights")
            return
        except (ValueError, RuntimeError, KeyError) as exc:
            # The SAE loaded by its header but not as a model part (sae_lens or torch refused it).
            log.info("upload %s refused while building", upload.pk, exc_info=True)
            _fail(upload.pk, f"Your SAE could not be run on {model.slug}: {exc}", "weights")
            return
        _set(upload.pk, stage="Publishing the source", progress=BUILD_SHARE[1])
        upload_storage.publish(built, upload_storage.source_prefix(model.slug, upload.slug))
        with transaction.atomic():
            source = import_source_pack(built, uploaded_by=upload.user)
            _set(upload.pk, status=SourceUpload.Status.PUBLISHED, stage="Published", progress=1.0, source=source,
                 error="", error_field="", finished=timezone.now())
