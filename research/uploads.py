"""Self-serve SAE upload: a researcher sends an SAE in SAELens's on-disk format for a model the
site has; a job builds a source from it (records, dashboards, baseline explanations) and
publishes it. The checks that need no model run here, before anything is stored, so a
malformed upload is refused at once with its reason; the job checks the rest against the model.

Limits: size per upload, uploads in progress per researcher and site-wide, uploads per day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from game.models import LanguageModel, Source
from game.services.errors import ServiceError
from jobs.queue import enqueue
from pipeline.sae_upload import UploadError, check_sae, sae_slug
from research import upload_storage
from research.models import SourceUpload

JOB_NAME = "build_source_upload"
# Behind players' own explanations (0), ahead of the pack's baseline scores (10): a build takes
# minutes, and the embedded default has one worker.
JOB_PRIORITY = 5
CFG_MAX_BYTES = 64 * 1024
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# The hooks an uploaded SAE may read: those whose activations are one vector per token.
_RESIDUAL_HOOKS = ("hook_resid_pre", "hook_resid_mid", "hook_resid_post", "hook_attn_out", "hook_mlp_out")
_MLP_HOOKS = ("mlp.hook_pre", "mlp.hook_post")


def model_dims(model: LanguageModel) -> dict[str, int]:
    """n_layers, d_model and d_mlp of a model: from its pack's model config when it has one
    (demo packs), else from the imported metadata (d_mlp defaults to 4 d_model, as in GPT-2)."""
    dims = {"n_layers": model.n_layers, "d_model": model.d_model}
    cfg_file = Path(model.pack_path or ".") / "model" / "cfg.json"
    cfg: dict[str, Any] = {}
    if model.pack_path and cfg_file.is_file():
        cfg = json.loads(cfg_file.read_text())
    meta = model.metadata or {}
    dims["d_mlp"] = int(cfg.get("d_mlp") or meta.get("d_mlp") or 4 * model.d_model)
    return dims


def hook_sizes(model: LanguageModel) -> dict[str, int]:
    dims = model_dims(model)
    sizes: dict[str, int] = {}
    for layer in range(dims["n_layers"]):
        for hook in _RESIDUAL_HOOKS:
            sizes[f"blocks.{layer}.{hook}"] = dims["d_model"]
        for hook in _MLP_HOOKS:
            sizes[f"blocks.{layer}.{hook}"] = dims["d_mlp"]
    return sizes


def _default_slug(hook: str) -> str:
    return f"{sae_slug(hook, set())}-{secrets.token_hex(3)}"


def _model(slug: str) -> LanguageModel:
    model = LanguageModel.objects.filter(slug=slug).first()
    if model is None:
        raise ServiceError(f"There is no model {slug!r}; upload an SAE for one of the site's models.",
                           status=404, field="model")
    if not model.pack_path or not (Path(model.pack_path) / "pack.json").is_file():
        raise ServiceError(f"Model {slug!r} is not loaded on this site, so no SAE can be built for it.",
                           status=409, field="model")
    return model


def _check_limits(user, size: int) -> None:
    if size > settings.SAE_UPLOAD_MAX_BYTES:
        raise ServiceError(f"The upload is {size:,} bytes; the limit is {settings.SAE_UPLOAD_MAX_BYTES:,}.",
                           status=413, field="weights")
    mine = SourceUpload.objects.filter(user=user)
    if mine.filter(status__in=SourceUpload.LIVE).count() >= settings.SAE_UPLOAD_USER_RUNNING:
        raise ServiceError("You already have an upload being built; wait for it to finish.", status=429)
    since = timezone.now() - dt.timedelta(days=1)
    if mine.filter(created__gte=since).count() >= settings.SAE_UPLOAD_USER_DAILY:
        raise ServiceError(f"You have started {settings.SAE_UPLOAD_USER_DAILY} uploads in the last 24 hours, "
                           "the most allowed; try again tomorrow.", status=429)
    if SourceUpload.objects.filter(status__in=SourceUpload.LIVE).count() >= settings.SAE_UPLOAD_SITE_RUNNING:
        raise ServiceError("The site is building as many uploaded SAEs as it can; try again in a few minutes.",
                           status=429)


def _slug(model: LanguageModel, wanted: str, hook: str) -> str:
    slug = wanted.strip().lower() or _default_slug(hook)
    if not SLUG_RE.match(slug):
        raise ServiceError("A source name is 1 to 63 lowercase letters, digits and hyphens, starting with a "
                           "letter or digit.", field="slug")
    taken = Source.objects.filter(model=model, slug=slug).exists() or SourceUpload.objects.filter(
        model=model, slug=slug).exclude(status=SourceUpload.Status.FAILED).exists()
    if taken:
        raise ServiceError(f"Model {model.slug} already has a source named {slug!r}; choose another name.",
                           status=409, field="slug")
    return slug


def _on_disk(upload: File, folder: Path) -> Path:
    """The uploaded weights as a file: Django keeps large uploads in a temporary file already."""
    path = getattr(upload, "temporary_file_path", None)
    if callable(path):
        return Path(path())
    target = folder / upload_storage.WEIGHTS_NAME
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def upload_start(*, user, model: str, cfg: File, weights: File, slug: str = "",
                 description: str = "") -> SourceUpload:
    """Check an uploaded SAE without loading it, store it and queue the job that builds its
    source. ServiceError: 404/409 model, 413 size, 429 limits, 400 a malformed SAE (why, and
    which file), 409 a name already taken."""
    found = _model(model)
    _check_limits(user, (cfg.size or 0) + (weights.size or 0))
    if (cfg.size or 0) > CFG_MAX_BYTES:
        raise ServiceError(f"cfg.json is {cfg.size:,} bytes; a SAELens config is a few hundred.", status=413,
                           field="cfg")
    cfg_raw = cfg.read()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            checked = check_sae(cfg_raw, _on_disk(weights, Path(tmp)), hook_sizes=hook_sizes(found))
        except UploadError as exc:
            raise ServiceError(exc.message, field=exc.field or None) from None
    name = _slug(found, slug, checked.hook_name)
    with transaction.atomic():
        # One upload at a time per researcher: the limit above is checked again under a lock.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _check_limits(user, (cfg.size or 0) + (weights.size or 0))
        upload = SourceUpload.objects.create(
            user=user, model=found, slug=name, description=description.strip(),
            size_bytes=(cfg.size or 0) + (weights.size or 0), hook_point=checked.hook_name, width=checked.d_sae,
            architecture=checked.architecture, stage="Waiting for a worker",
        )
        upload_storage.save_file(f"{upload.storage_prefix}/{upload_storage.CFG_NAME}", ContentFile(cfg_raw))
        weights.seek(0)
        upload_storage.save_file(f"{upload.storage_prefix}/{upload_storage.WEIGHTS_NAME}", weights)
        enqueue(JOB_NAME, {"upload_id": upload.pk}, dedupe_key=f"source-upload:{upload.pk}", priority=JOB_PRIORITY)
    return upload


def upload_for(user, upload_id: int) -> SourceUpload:
    """The user's own upload (anyone else's is a 404: its existence is not theirs to know)."""
    found = SourceUpload.objects.select_related("model", "source").filter(pk=upload_id, user=user).first()
    if found is None:
        raise ServiceError(f"You have no upload {upload_id}.", status=404)
    return found


def uploads_of(user, limit: int = 50) -> list[SourceUpload]:
    return list(SourceUpload.objects.select_related("model", "source").filter(user=user)[:limit])


def upload_payload(upload: SourceUpload) -> dict[str, Any]:
    source = upload.source
    published = source is not None and upload.status == SourceUpload.Status.PUBLISHED
    first = None
    if published:  # the first feature that fires: a dead one has no page worth opening
        first = source.features.filter(max_activation__gt=0).order_by("index").values_list("index", flat=True).first()
    return {
        "job_id": upload.pk, "model": upload.model.slug, "slug": upload.slug, "description": upload.description,
        "status": upload.status, "stage": upload.stage, "progress": round(upload.progress, 3),
        "error": upload.error or None, "field": upload.error_field or None,
        "hook_point": upload.hook_point, "width": upload.width, "architecture": upload.architecture,
        "size_bytes": upload.size_bytes,
        "source_url": f"/{upload.model.slug}/{upload.slug}/{first}" if first is not None else None,
        "map_url": (f"/map/{upload.model.slug}/{upload.slug}"
                    if published and source.features.filter(map_x__isnull=False).exists() else None),
        "in_play": upload.approved_at is not None and published,
        "created": upload.created, "finished": upload.finished,
    }
