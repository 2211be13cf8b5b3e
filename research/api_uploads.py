"""Self-serve SAE upload over the JSON API (`POST /api/sources/upload`, then poll
`GET /api/sources/upload/{job_id}`). Rules and limits in `research.uploads`; the build is the
`build_source_upload` job (`research.jobs`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from accounts.api_auth import LOGGED_IN
from accounts.api_base import errors
from game.api_support import RateLimit
from research import uploads

router = Router(tags=["SAE upload"])


class UploadOut(Schema):
    job_id: int
    model: str
    slug: str
    description: str
    status: str  # queued, running, published, failed, unpublished
    stage: str
    progress: float  # 0 to 1
    error: str | None  # why it failed or was refused
    field: str | None  # which part was wrong: cfg, weights, slug, model
    hook_point: str
    width: int
    architecture: str
    size_bytes: int
    source_url: str | None  # a feature page of the new source, once published
    map_url: str | None
    in_play: bool  # a moderator approved it: its features are puzzles
    created: dt.datetime
    finished: dt.datetime | None


class UploadsOut(Schema):
    uploads: list[UploadOut]


@router.post("/sources/upload", response={202: UploadOut, **errors(400, 401, 403, 404, 409, 413, 429)},
             auth=LOGGED_IN, throttle=[RateLimit("upload")], url_name="api-source-upload",
             summary="Upload an SAE (SAELens format) for a model the site has; a job builds a source from it")
def source_upload(request: HttpRequest, model: Form[str], cfg: File[UploadedFile], weights: File[UploadedFile],
                  slug: Form[str] = "", description: Form[str] = "") -> Any:
    """Multipart: `cfg` is the SAELens cfg.json, `weights` its sae_weights.safetensors
    (safetensors only: nothing is unpickled). `slug` names the new source (default: from the
    hook point). Answers 202 at once; the build's progress is at `GET /api/sources/upload/{job_id}`."""
    upload = uploads.upload_start(user=request.user, model=model, cfg=cfg, weights=weights, slug=slug,
                                  description=description[:2000])
    return Status(202, uploads.upload_payload(upload))


@router.get("/sources/upload/{int:job_id}", response={200: UploadOut, **errors(401, 404)}, auth=LOGGED_IN,
            url_name="api-source-upload-status", summary="An upload's progress, errors and, once built, its source")
def source_upload_status(request: HttpRequest, job_id: int) -> Any:
    return uploads.upload_payload(uploads.upload_for(request.user, job_id))


@router.get("/sources/uploads", response={200: UploadsOut, **errors(401)}, auth=LOGGED_IN,
            url_name="api-source-uploads", summary="Your uploads, newest first")
def source_uploads(request: HttpRequest) -> Any:
    return {"uploads": [uploads.upload_payload(u) for u in uploads.uploads_of(request.user)]}
