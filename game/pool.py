"""Which features a player may be served next: the query behind every puzzle, written out.

Built through the ORM (`game.puzzles._fresh_pool_orm` says the same in its terms), it cost
several times what the database takes to answer it. The `feature_play_order` index drives the
scan, so the database stops after the first fresh features.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from game.models import (
    ActivationRecord,
    Campaign,
    Explanation,
    Feature,
    GoldAnswer,
    PlantedFeature,
    PuzzleView,
    Vote,
)

SKIP_COOLDOWN = dt.timedelta(days=7)
POOL_SIZE = 20
GOLD_POOL_SIZE = 200


def blocked_since() -> dt.datetime:
    """Seen or flagged at any time, or skipped since this: not offered while fresher ones remain."""
    return timezone.now() - SKIP_COOLDOWN


@cache
def _tables() -> dict[str, str]:
    models = {"feature": Feature, "campaign": Campaign, "member": Campaign.features.through,
              "record": ActivationRecord, "planted": PlantedFeature, "view": PuzzleView,
              "explanation": Explanation, "vote": Vote, "gold": GoldAnswer}
    return {name: m._meta.db_table for name, m in models.items()}


def fresh_pool(user: Any = None, *, session_key: str = "", gold: bool = False) -> list[tuple[int, bool, int]]:
    """(id, retired, votes) of features of the active campaign with clues that the player (a
    user, or an anonymous session) has not been served; empty without an active campaign.

    Ordinary play (`gold=False`): not planted, not skipped lately nor seen otherwise, not
    written or voted on; the first `POOL_SIZE` in play order (open first, fewest votes).
    Gold (`gold=True`, users only): planted features in play never served to this player nor
    answered by them, by id, up to `GOLD_POOL_SIZE`."""
    t = _tables()
    if user is not None:
        viewer, params = "v.user_id = %s", [user.pk]
    else:
        viewer, params = "v.user_id IS NULL AND v.session_key = %s", [session_key]
    # Gold is driven from the few planted features (CROSS JOIN keeps SQLite from reordering the
    # scan onto every feature), ordinary play from the play-order index.
    source = f"{t['planted']} p CROSS JOIN {t['feature']} f" if gold else f"{t['feature']} f"
    sql = f"""
        SELECT f.id, f.retired, f.vote_count FROM {source}
        WHERE {"f.id = p.feature_id AND " if gold else ""}EXISTS (SELECT 1 FROM {t['member']} m WHERE m.feature_id = f.id AND m.campaign_id =
                      (SELECT c.id FROM {t['campaign']} c WHERE c.active ORDER BY c.id LIMIT 1))
          AND EXISTS (SELECT 1 FROM {t['record']} r
                      WHERE r.feature_id = f.id AND NOT r.held_out AND NOT r.unseen)"""
    if gold:
        sql += f"""
          AND p.active
          AND NOT EXISTS (SELECT 1 FROM {t['view']} v WHERE {viewer} AND v.feature_id = f.id)
          AND NOT EXISTS (SELECT 1 FROM {t['gold']} g WHERE g.user_id = %s AND g.planted_id = p.id)
        ORDER BY p.feature_id LIMIT %s"""
        params += [user.pk, GOLD_POOL_SIZE]
    else:
        sql += f"""
          AND NOT EXISTS (SELECT 1 FROM {t['planted']} p WHERE p.feature_id = f.id)
          AND NOT EXISTS (SELECT 1 FROM {t['view']} v WHERE {viewer} AND v.feature_id = f.id
                          AND (v.action <> %s OR v.created >= %s))"""
        params += [PuzzleView.Action.SKIP.value, connection.ops.adapt_datetimefield_value(blocked_since())]
        if user is not None:
            sql += f"""
          AND NOT EXISTS (SELECT 1 FROM {t['explanation']} e WHERE e.author_id = %s AND e.feature_id = f.id)
          AND NOT EXISTS (SELECT 1 FROM {t['vote']} o JOIN {t['explanation']} oe ON oe.id = o.explanation_id
                          WHERE o.user_id = %s AND oe.feature_id = f.id)"""
            params += [user.pk, user.pk]
        sql += " ORDER BY f.retired, f.vote_count, f.id LIMIT %s"
        params.append(POOL_SIZE)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, bool(retired), votes) for pk, retired, votes in cursor.fetchall()]
