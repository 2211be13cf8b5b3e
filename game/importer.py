"""Load a pack (pipeline/PACK_FORMAT.md) into the database.

The pack is read through `pipeline.pack`, the one reader of the format, so a malformed pack
fails here with the same `PackError` (and message) as everywhere else.

Idempotent: importing the same pack twice changes nothing, and re-importing a rebuilt pack
replaces only what the pack owns (statistics, records, model-authored baseline text). Rows
that players made (explanations, scores, votes) are never deleted.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.db import transaction

from game.clues import clues_forget
from game.models import (
    ActivationRecord,
    Campaign,
    Explanation,
    Feature,
    LanguageModel,
    Score,
    Source,
)
from game.services.moderation import explicit_text_check
from jobs.models import Job
from pipeline.feature_map import load_map
from pipeline.pack import (
    PackError,
    PackMeta,
    SourceMeta,
    load_corpus_tokens,
    load_explanations,
    load_features,
    load_vocab,
    read_pack,
)

BATCH = 2000
BASELINE_SCORE_PRIORITY = 10  # players' explanations (priority 0) are scored first

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    model: str
    sources: list[str] = field(default_factory=list)
    features_created: int = 0
    features_updated: int = 0
    records_written: int = 0
    sources_unchanged: list[str] = field(default_factory=list)
    explanations_created: int = 0
    explanations_replaced: int = 0
    scores_queued: int = 0
    campaign: str = ""


def display_safe(token: str) -> str:
    """Control characters (other than newline and tab) as visible `<0x00>` marks: PostgreSQL
    text cannot hold NUL, and a raw control character in a clue shows nothing useful.
    Format characters (bidi marks, zero-width) stay: the pages isolate every token."""
    if not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in token):
        return token
    return "".join(f"<0x{ord(c):02X}>" if unicodedata.category(c) == "Cc" and c not in "\n\t" else c for c in token)


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.is_file():
            with p.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()[:16]


def _import_map(source: Source, pack_dir: Path) -> int:
    """Each feature's place on the source's map (`maps/<slug>.npy`), if the pack has one."""
    coords = load_map(pack_dir, source.slug, source.width)
    if coords is None:
        return 0
    features = list(Feature.objects.filter(source=source).only("pk", "index"))
    for f in features:
        f.map_x, f.map_y = float(coords[f.index, 0]), float(coords[f.index, 1])
    Feature.objects.bulk_update(features, ["map_x", "map_y"], batch_size=BATCH)
    return len(features)


def _chunks(n: int, size: int = BATCH) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


def import_pack(
    pack_dir: Path | str,
    *,
    campaign: str | None = None,
    score_baselines: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    pack_dir = Path(pack_dir).resolve()
    meta = read_pack(pack_dir)
    progress = progress or (lambda stage, done, total: None)
    vocab = [display_safe(t) for t in load_vocab(pack_dir)]
    corpus = load_corpus_tokens(pack_dir)
    m = meta.model
    with transaction.atomic():
        model, _ = LanguageModel.objects.update_or_create(
            slug=m["slug"],
            defaults=dict(
                name=m.get("name", m["slug"]),
                n_layers=m["n_layers"],
                d_model=m["d_model"],
                d_vocab=m["d_vocab"],
                n_ctx=m.get("n_ctx", 1024),
                tl_name=m.get("tl_name", ""),
                pack_path=str(pack_dir),
                metadata={**{k: v for k, v in m.items() if k not in {"slug", "name"}}, "corpus": meta.corpus},
            ),
        )
        model.set_vocab(vocab)
    report = ImportReport(model=model.slug)
    # Records' texts are checked once here (the sources share windows of one corpus), not when served.
    is_explicit = explicit_text_check()
    for spec in meta.sources:
        _import_source(meta, model, spec, corpus, vocab, report, progress, is_explicit)
        _import_explanations(meta, model, spec, report, score_baselines)
    if campaign:
        _ensure_campaign(model, campaign, report)
    if score_baselines and set(report.sources_unchanged) != set(report.sources):
        # New records: players' explanations in play are rescored on them too.
        from game.services.rescoring import rescore_in_play

        report.scores_queued += rescore_in_play()
    return report


def import_source_pack(pack_dir: Path | str, *, uploaded_by=None, score_baselines: bool = True,
                       progress: Progress | None = None) -> Source:
    """Add the one source of an overlay pack (a source built for a model already imported, as
    an uploaded SAE is) to that model. The model's row and its other sources are not touched,
    and the source joins no campaign: a moderator decides when it is played."""
    pack_dir = Path(pack_dir).resolve()
    meta = read_pack(pack_dir)
    if len(meta.sources) != 1:
        raise PackError(f"an overlay pack holds one source, not {len(meta.sources)}")
    model = LanguageModel.objects.filter(slug=meta.model["slug"]).first()
    if model is None:
        raise PackError(f"model {meta.model['slug']!r} is not imported; import its pack first")
    spec = meta.sources[0]
    report = ImportReport(model=model.slug)
    vocab = [display_safe(t) for t in load_vocab(pack_dir)]
    _import_source(meta, model, spec, load_corpus_tokens(pack_dir), vocab, report,
                   progress or (lambda stage, done, total: None), explicit_text_check())
    _import_explanations(meta, model, spec, report, score_baselines)
    source = Source.objects.get(model=model, slug=spec.slug)
    if uploaded_by is not None and source.uploaded_by_id != uploaded_by.pk:
        source.uploaded_by = uploaded_by
        source.save(update_fields=["uploaded_by"])
    return source


def _import_source(meta: PackMeta, model: LanguageModel, spec: SourceMeta, corpus: np.ndarray, vocab: list[str],
                   report: ImportReport, progress: Progress, is_explicit: Callable[[str], bool]) -> None:
    if not spec.features:
        raise PackError(f"source {spec.slug!r} names no features file")
    digest = _digest(meta.path / spec.features, meta.path / "corpus_tokens.npy")
    with transaction.atomic():
        source, _ = Source.objects.update_or_create(
            model=model,
            slug=spec.slug,
            defaults=dict(
                kind=spec.kind,
                layer=spec.layer,
                hook_point=spec.hook_point,
                width=spec.width,
                architecture=spec.architecture,
                weights_path=spec.weights_path,
                description=spec.description,
            ),
        )
        report.sources.append(source.slug)
        if source.metrics.get("pack_digest") == digest:
            # A map added to a pack already imported is taken in without touching anything else.
            _import_map(source, meta.path)
            report.sources_unchanged.append(source.slug)
            return
        arrays = load_features(meta.path, spec.slug)
        # Planted features sit in slots of features that were dead: their rule, records and
        # explanations are theirs, whatever the pack now says of the slot.
        planted = set(Feature.objects.filter(source=source, planted__isnull=False).values_list("index", flat=True))
        ids = _upsert_features(source, arrays, vocab=vocab, report=report, progress=progress, keep=planted)
        _replace_records(source, arrays, corpus, ids, report=report, progress=progress, is_explicit=is_explicit,
                         keep={ids[i] for i in planted})
        source.metrics = {**spec.metrics, "pack_digest": digest}
        # New records mean scores are redone: the pack version is part of every score's key.
        source.pack_version = digest
        source.save(update_fields=["metrics", "pack_version"])
        _import_map(source, meta.path)
        from game.jobs import enqueue_clue_preparation

        enqueue_clue_preparation(source)


def _token_list(ids_row, vals_row, vocab) -> list[list]:
    return [[vocab[int(i)], round(float(v), 4)] for i, v in zip(ids_row, vals_row)]


def _feature_fields(a: dict, f: int, vocab: list[str]) -> dict:
    def opt(name: str):
        return float(a[name][f]) if np.isfinite(a[name][f]) else None

    # Every array is there: `load_features` validated them against PACK_FORMAT.md.
    return dict(
        max_activation=float(a["max_activation"][f]),
        frac_nonzero=float(a["frac_nonzero"][f]),
        histogram={"edges": [round(float(x), 5) for x in a["hist_edges"][f]], "counts": [int(x) for x in a["hist_counts"][f]]},
        logits_promoted=_token_list(a["logit_top_ids"][f], a["logit_top_vals"][f], vocab),
        logits_suppressed=_token_list(a["logit_bot_ids"][f], a["logit_bot_vals"][f], vocab),
        logit_std=opt("logit_std"),
        logit_skewness=opt("logit_skew"),
        logit_kurtosis=opt("logit_kurt"),
        neighbours=[[int(i), round(float(c), 4)] for i, c in zip(a["neighbour_idx"][f], a["neighbour_cos"][f])],
    )


STAT_FIELDS = [
    "max_activation", "frac_nonzero", "histogram", "logits_promoted", "logits_suppressed",
    "logit_std", "logit_skewness", "logit_kurtosis", "neighbours",
]


def _upsert_features(source: Source, a: dict, *, vocab, report: ImportReport, progress: Progress,
                     keep: set[int] = frozenset()) -> dict[int, int]:
    n = len(a["max_activation"])
    existing = {f.index: f for f in Feature.objects.filter(source=source)}
    to_create, to_update = [], []
    for f in range(n):
        if f in keep:
            continue
        fields = _feature_fields(a, f, vocab)
        if f in existing:
            obj = existing[f]
            for k, v in fields.items():
                setattr(obj, k, v)
            to_update.append(obj)
        else:
            to_create.append(Feature(source=source, index=f, **fields))
        if f % BATCH == 0:
            progress(f"{source.slug}: features", f, n)
    for start, end in _chunks(len(to_create)):
        Feature.objects.bulk_create(to_create[start:end])
    for start, end in _chunks(len(to_update)):
        Feature.objects.bulk_update(to_update[start:end], STAT_FIELDS)
    progress(f"{source.slug}: features", n, n)
    report.features_created += len(to_create)
    report.features_updated += len(to_update)
    return dict(Feature.objects.filter(source=source).values_list("index", "id"))


def _replace_records(source: Source, a: dict, corpus: np.ndarray, feature_ids: dict[int, int], *,
                     report: ImportReport, progress: Progress, is_explicit: Callable[[str], bool],
                     keep: set[int] = frozenset()) -> None:
    # Records belong to the pack, not to players: a rebuilt pack replaces them wholesale
    # (except a planted feature's, which the pack never had).
    ActivationRecord.objects.filter(feature__source=source).exclude(feature_id__in=keep)._raw_delete(
        ActivationRecord.objects.db
    )
    clues_forget(Feature.objects.filter(source=source).exclude(pk__in=keep))
    n = len(a["rec_feature"])
    ptr, nz_pos, nz_val = a["rec_nz_ptr"], a["nz_pos"].astype(np.uint16), a["nz_val"].astype(np.float32)
    kinds = {0: ActivationRecord.Kind.TOP, 1: ActivationRecord.Kind.QUANTILE, 2: ActivationRecord.Kind.RANDOM}
    starts, lengths = a["rec_start"], a["rec_length"]
    for lo, hi in _chunks(n, 5000):
        batch = []
        for r in range(lo, hi):
            if feature_ids[int(a["rec_feature"][r])] in keep:
                continue
            s, ln = int(starts[r]), int(lengths[r])
            qbin = int(a["rec_bin"][r])
            ids = np.ascontiguousarray(corpus[s : s + ln], dtype=np.int32)
            batch.append(
                ActivationRecord(
                    feature_id=feature_ids[int(a["rec_feature"][r])],
                    kind=kinds[int(a["rec_kind"][r])],
                    rank=int(a["rec_rank"][r]),
                    quantile_bin=qbin if qbin >= 0 else None,
                    token_ids=ids.tobytes(),
                    # Read by puzzles for players who hide explicit content (the record's whole text).
                    explicit=is_explicit("".join(source.model.decode(ids))),
                    nz_positions=nz_pos[ptr[r] : ptr[r + 1]].tobytes(),
                    nz_values=nz_val[ptr[r] : ptr[r + 1]].tobytes(),
                    length=ln,
                    max_value=float(a["rec_max"][r]),
                    max_position=int(a["rec_max_pos"][r]),
                    duplicates=int(a["rec_duplicates"][r]),
                    held_out=bool(a["rec_held_out"][r]),
                    unseen=bool(a["rec_unseen"][r]),
                )
            )
        ActivationRecord.objects.bulk_create(batch, batch_size=1000)
        progress(f"{source.slug}: records", hi, n)
    report.records_written += n


def _import_explanations(meta: PackMeta, model: LanguageModel, spec: SourceMeta, report: ImportReport,
                         score_baselines: bool) -> None:
    rows = load_explanations(meta.path, spec.slug)
    if not rows:
        return
    # Only features that fire get a baseline: a dead feature has nothing to explain.
    source = Source.objects.get(model=model, slug=spec.slug)
    feature_ids = dict(
        Feature.objects.filter(source=source, max_activation__gt=0).values_list("index", "id")
    )
    wanted = [row for row in rows if row["index"] in feature_ids and row.get("text", "").strip()]
    with transaction.atomic():
        existing = set(
            Explanation.objects.filter(feature_id__in=feature_ids.values()).values_list("feature_id", "text")
        )
        replaceable = _replaceable_baselines(feature_ids.values())
        new, replaced = [], []
        for row in wanted:
            fid = feature_ids[row["index"]]
            text = row["text"].strip()[:500]
            if (fid, text) in existing:
                continue
            existing.add((fid, text))
            author_model = row.get("author_model", "baseline")
            old = _pop_older_version(replaceable.get(fid, []), author_model)
            if old is not None:
                old.text, old.author_model = text, author_model
                replaced.append(old)
                continue
            e = Explanation(feature_id=fid, text=text, author_model=author_model,
                            status=Explanation.Status.QUEUED if score_baselines else Explanation.Status.SCORED)
            new.append(e)
        from game.text import normalize_explanation

        for e in new + replaced:
            e.normalized_text = normalize_explanation(e.text)
        if replaced:
            report.scores_queued += _rewrite_baselines(replaced, score_baselines)
        for lo, hi in _chunks(len(new)):
            Explanation.objects.bulk_create(new[lo:hi])
        report.explanations_created += len(new)
        report.explanations_replaced += len(replaced)
        if score_baselines:
            report.scores_queued += _queue_unscored(source, feature_ids.values())


BASELINE_PREFIX = "baseline-"


def _replaceable_baselines(feature_ids) -> dict[int, list[Explanation]]:
    """Per feature, the model-authored baselines that a newer baseline version may overwrite:
    no votes, not hidden by a moderator (oldest first). Players' explanations never qualify."""
    from django.db.models import Exists, OuterRef

    from game.models import Vote

    rows = (
        Explanation.objects.filter(feature_id__in=list(feature_ids), author__isnull=True,
                                   author_model__startswith=BASELINE_PREFIX, hidden=False, vote_count=0)
        .exclude(Exists(Vote.objects.filter(explanation=OuterRef("pk"))))
        .select_related("feature__source")
        .order_by("feature_id", "id")
    )
    out: dict[int, list[Explanation]] = {}
    for e in rows:
        out.setdefault(e.feature_id, []).append(e)
    return out


def _rewrite_baselines(replaced: list[Explanation], score_baselines: bool) -> int:
    """A newer baseline replaces an older one nobody voted for: the same row gets the new text,
    loses the old text's scores and is queued for scoring again, behind players' explanations
    like every baseline. Runs inside the import's transaction. Returns the number queued."""
    from game.jobs import enqueue_scoring

    score_fields = [f for f in Explanation._meta.concrete_fields if f.name.startswith("score_")]
    for e in replaced:
        e.status = Explanation.Status.QUEUED if score_baselines else Explanation.Status.SCORED
        for f in score_fields:
            setattr(e, f.attname, f.get_default())
    for lo, hi in _chunks(len(replaced)):
        Score.objects.filter(explanation_id__in=[e.pk for e in replaced[lo:hi]]).delete()
        Explanation.objects.bulk_update(
            replaced[lo:hi], ["text", "normalized_text", "author_model", "status", *(f.name for f in score_fields)]
        )
    if not score_baselines:
        return 0
    keys = [f"score:{enqueue_scoring(e).pk}" for e in replaced]
    for lo, hi in _chunks(len(keys)):
        Job.objects.filter(dedupe_key__in=keys[lo:hi], status=Job.Status.READY).update(priority=BASELINE_SCORE_PRIORITY)
    return len(keys)


def _pop_older_version(candidates: list[Explanation], author_model: str) -> Explanation | None:
    """The first candidate from another baseline version than `author_model` (removed from the list)."""
    if not author_model.startswith(BASELINE_PREFIX):
        return None
    for i, e in enumerate(candidates):
        if e.author_model != author_model:
            return candidates.pop(i)
    return None


def _queue_unscored(source: Source, feature_ids) -> int:
    """Queue scoring for model-authored explanations with no score under the current key, in bulk."""
    from game.jobs import queue_scores
    from game.scoring_keys import current_key

    key = current_key(source)
    unscored = list(
        Explanation.objects.filter(feature_id__in=list(feature_ids), author__isnull=True)
        .exclude(id__in=Score.objects.filter(**key.score_filter()).values("explanation_id"))
        .values_list("id", flat=True)
    )
    return queue_scores(unscored, key, priority=BASELINE_SCORE_PRIORITY)


def _ensure_campaign(model: LanguageModel, slug: str, report: ImportReport) -> None:
    """A campaign over all of the model's live features, made active when no other campaign is.

    A retrained model comes with a new slug, so `slug` may already name the campaign of an older
    model: then this model gets its own campaign (`<slug>-<model slug>`), which takes over as the
    active one if the older one was. The older model's features leave play (their explanations,
    scores and points stay, browsable) rather than having records swapped under them."""
    from game.services.campaigns import campaign_activate, campaign_create

    existing = Campaign.objects.filter(slug=slug).first()
    takes_over = False
    if existing is not None and existing.features.exclude(source__model=model).exists():
        takes_over = existing.active
        slug = f"{slug}-{model.slug}"
    campaign_create(slug=slug, name=f"{model.name}: all features", model=model.slug,
                    description=f"Every feature of {model.slug} that fires.")
    report.campaign = slug
    if takes_over or not Campaign.objects.filter(active=True).exists():
        campaign_activate(slug=slug)
