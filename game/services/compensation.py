"""Taking points back and giving them back, without ever rewriting history.

An award (`PointsEvent` of any reason but reversed/restored) stands at its points plus those of
its compensations (`reverses` points at it): a `reversed` row takes the award back, a
`restored` row gives it back. Compensations are dated like the award they compensate, so a
day's, a week's and the all-time board each sum as if the award had been withdrawn (or never
withdrawn) in the period it was earned. Both functions are idempotent: an award already
withdrawn is not withdrawn again, one standing is not restored again. Callers hold the
feature's row lock (as `points.feature_settle` does), so parallel moderation cannot race.
"""

from __future__ import annotations

from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from game.models import PointsEvent

COMPENSATIONS = (PointsEvent.Reason.REVERSED, PointsEvent.Reason.RESTORED)


def _with_standing(awards: QuerySet) -> QuerySet:
    return (
        awards.exclude(reason__in=COMPENSATIONS)
        .annotate(standing=F("points") + Coalesce(Sum("compensations__points"), Value(0)))
    )


def _compensate(award: PointsEvent, points: int, reason: str, feature_id: int | None) -> PointsEvent:
    row = PointsEvent.objects.create(
        user_id=award.user_id, points=points, reason=reason, feature_id=feature_id or award.feature_id,
        other_user_id=award.other_user_id, reverses=award,
    )
    PointsEvent.objects.filter(pk=row.pk).update(created=award.created)
    return row


def awards_withdraw(awards: QuerySet, *, feature_id: int | None = None) -> int:
    """Take back every award in `awards` that still stands. Returns how many were taken back."""
    done = 0
    for award in _with_standing(awards).filter(standing__gt=0):
        _compensate(award, -award.standing, PointsEvent.Reason.REVERSED, feature_id)
        done += 1
    return done


def awards_restore(awards: QuerySet, *, feature_id: int | None = None) -> int:
    """Give back every award in `awards` that was taken back. Returns how many were given back."""
    done = 0
    for award in _with_standing(awards).filter(standing__lt=F("points")):
        _compensate(award, award.points - award.standing, PointsEvent.Reason.RESTORED, feature_id)
        done += 1
    return done


def award_delete(awards: QuerySet) -> int:
    """Delete awards together with their compensations (a vote taken back deletes its point):
    an award deleted alone would leave its reversal taking back points nobody holds."""
    ids = list(awards.exclude(reason__in=COMPENSATIONS).values_list("pk", flat=True))
    if not ids:
        return 0
    PointsEvent.objects.filter(reverses_id__in=ids).delete()
    deleted, _ = PointsEvent.objects.filter(pk__in=ids).delete()
    return deleted
