"""The reads of the hot routes (a puzzle, the feature API), with written-out SQL.

Building these queries through the ORM cost several times what the database takes to answer
them: on a puzzle, the feature with its source, model and prepared clues, and the feature's
explanations with this player's votes were most of the request. The instances built here are
the ORM's own (`Model.from_db`), so the rest of the code cannot tell the difference; the
tests hold the answers equal to the ORM's.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from game.models import (
    ActivationRecord,
    Campaign,
    Comparison,
    Explanation,
    Feature,
    LanguageModel,
    PreparedClues,
    PuzzleView,
    SimulationTask,
    Source,
    Vote,
)
from sqlreads import columns, instance, table


def feature_for_play(pk: int) -> Feature | None:
    """The feature with its source, model and prepared clues attached, its dashboard fields
    deferred (a puzzle shows none of them): one query."""
    return _feature_read("f.id = %s", [pk], skip=Feature.DASHBOARD_FIELDS)


def feature_by_ref(*, model: str, source: str, index: int) -> Feature | None:
    """The feature `model/source/index` with every field, its source, model and prepared clues."""
    if not 0 <= index <= _MAX_INDEX:
        return None  # no such feature (and a database integer would overflow)
    return _feature_read("m.slug = %s AND s.slug = %s AND f.\"index\" = %s AND s.published", [model, source, index])


# PositiveIntegerField's range on every supported database.
_MAX_INDEX = 2**31 - 1
_FEATURE_PARTS = ((Feature, "f"), (Source, "s"), (LanguageModel, "m"), (PreparedClues, "c"))


@cache
def _feature_sql(where: str, skip: tuple[str, ...]) -> tuple[str, tuple[tuple[str, ...], ...]]:
    selected = [columns(model, skip=skip if model is Feature else (), alias=alias) for model, alias in _FEATURE_PARTS]
    f, s, m, c = (table(model) for model, _ in _FEATURE_PARTS)
    sql = (f"SELECT {', '.join(cols for _, cols in selected)} FROM {f} f"
           f" JOIN {s} s ON s.id = f.source_id JOIN {m} m ON m.id = s.model_id"
           f" LEFT JOIN {c} c ON c.feature_id = f.id WHERE {where}")
    return sql, tuple(names for names, _ in selected)


def _feature_read(where: str, params: list[Any], *, skip: tuple[str, ...] = ()) -> Feature | None:
    sql, names_of = _feature_sql(where, skip)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    instances = []
    start = 0
    for (model, _), names in zip(_FEATURE_PARTS, names_of):
        values = row[start:start + len(names)]
        start += len(names)
        # The prepared clues' key is NULL when the feature has none yet.
        instances.append(None if values[0] is None else instance(model, names, values))
    feature, source, model, clues = instances
    Source.model.field.set_cached_value(source, model)
    Feature.source.field.set_cached_value(feature, source)
    # Cached as None, the reverse one-to-one raises DoesNotExist, as a fresh read would.
    Feature.prepared_clues.related.set_cached_value(feature, clues)
    return feature


def explanation_rows(feature: Feature, *, drafts: bool, voter_id: int | None = None) -> list[tuple[dict[str, Any], int | None, bool]]:
    """The feature's visible explanations, best score first (unscored last), then the most
    votes, then the oldest: each as (`game.selectors.explanation_payload`, author id, whether
    `voter_id` voted for it). Drafts only when asked for (a puzzle lists them: a draft can earn
    the votes that get it scored)."""
    e, v = table(Explanation), table(Vote)
    user_model = get_user_model()
    u = table(user_model)
    username = connection.ops.quote_name(user_model._meta.get_field(user_model.USERNAME_FIELD).column)
    voted = f"EXISTS (SELECT 1 FROM {v} v WHERE v.explanation_id = e.id AND v.user_id = %s)" if voter_id else "0"
    sql = (f"SELECT e.id, e.text, e.author_id, u.{username}, e.author_model, e.status,"
           f" e.score_value, e.score_stderr, e.score_method, e.score_version, e.score_pack_version,"
           f" e.vote_count, {voted}"
           f" FROM {e} e LEFT JOIN {u} u ON u.id = e.author_id"
           f" WHERE e.feature_id = %s AND NOT e.hidden{'' if drafts else ' AND e.status <> %s'}"
           " ORDER BY e.score_value DESC NULLS LAST, e.vote_count DESC, e.created ASC")
    params: list[Any] = [voter_id] if voter_id else []
    params.append(feature.pk)
    if not drafts:
        params.append(Explanation.Status.DRAFT.value)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        ({"id": pk, "text": text, "author": username_value if author_id else author_model,
          "author_kind": Explanation.kind_of(author_id, author_model), "status": status, "score": score,
          "score_stderr": stderr, "score_method": method or None, "score_version": version or None,
          "pack_version": pack_version or None, "votes": votes}, author_id, bool(has_voted))
        for (pk, text, author_id, username_value, author_model, status, score, stderr, method, version, pack_version,
             votes, has_voted) in rows
    ]


def explanation_items(feature: Feature, *, user: Any = None) -> list[dict[str, Any]]:
    """The explanations a puzzle lists, with this player's vote and authorship."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    return [
        {**payload, "voted": voted, "own": bool(user_id and author_id == user_id),
         "settled": payload["id"] == feature.settled_explanation_id}
        for payload, author_id, voted in explanation_rows(feature, drafts=True, voter_id=user_id)
    ]


def records_shown(feature: Feature, *, in_play: bool) -> list[ActivationRecord]:
    """`game.selectors.feature_records` read without building its query: top records, then
    quantile bins from the highest down, then the rest; each kind by rank."""
    names, cols = columns(ActivationRecord, alias="r")
    sql = (f"SELECT {cols} FROM {table(ActivationRecord)} r WHERE r.feature_id = %s"
           + (" AND NOT r.held_out AND NOT r.unseen AND r.kind <> %s" if in_play else "")
           + " ORDER BY CASE r.kind WHEN %s THEN 0 WHEN %s THEN 1 ELSE 2 END, r.quantile_bin DESC NULLS LAST, r.rank")
    kinds = ActivationRecord.Kind
    params = [feature.pk, *([kinds.RANDOM.value] if in_play else []), kinds.TOP.value, kinds.QUANTILE.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [instance(ActivationRecord, names, row) for row in rows]


def answered_simulations(explanation_ids: list[int]) -> list[tuple[int, float | None]]:
    """(explanation id, token correlation) of every answered human-simulation task of these."""
    if not explanation_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT explanation_id, token_correlation FROM {table(SimulationTask)}"
                       f" WHERE answered IS NOT NULL AND explanation_id IN ({', '.join(['%s'] * len(explanation_ids))})",
                       list(explanation_ids))
        return cursor.fetchall()


def has_answered_comparisons(feature_id: int) -> bool:
    """Whether any this-or-that pick of the feature's explanations was answered."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table(Comparison)} WHERE feature_id = %s AND winner_id IS NOT NULL LIMIT 1", [feature_id])
        return cursor.fetchone() is not None


def feature_in_play(feature_id: int) -> bool:
    """In the active campaign (`Feature.in_play`)."""
    member, campaign = table(Campaign.features.through), table(Campaign)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {member} m JOIN {campaign} c ON c.id = m.campaign_id"
                       " WHERE m.feature_id = %s AND c.active LIMIT 1", [feature_id])
        return cursor.fetchone() is not None


def puzzle_view_insert(*, user: Any, session_key: str, feature: Feature) -> PuzzleView:
    """Record that the player was served the feature (a new `seen` view), as
    `PuzzleView.objects.create` would, with the given feature instance attached."""
    now = timezone.now()
    view = PuzzleView(user=user, session_key=session_key, feature=feature, created=now, updated=now)
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(PuzzleView)} (user_id, session_key, feature_id, action, reason, created, updated)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [view.user_id, session_key, feature.pk, view.action, view.reason, stamp, stamp],
        )
        view.pk = cursor.fetchone()[0]
    view._state.adding, view._state.db = False, connection.alias
    return view
