"""Players of known standing for moderation tests."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db.models import Sum
from django.utils import timezone

from game.models import PointsEvent
from game.services import points
from tests.factories import make_user


def moderators_group() -> Group:
    # A transactional test's flush empties the group its data migration made; permissions are
    # made again after a flush, the group is not.
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(Permission.objects.get(content_type__app_label="moderation", codename="moderate"))
    return group


def make_moderator(**kw):
    user = make_user(**kw)
    user.groups.add(moderators_group())
    return type(user).objects.get(pk=user.pk)  # fresh: permissions are cached per instance


def make_trusted(**kw):
    """An established player: an old account, a verified address and points earned."""
    user = make_user(**kw)
    type(user).objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=120))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    PointsEvent.objects.create(user=user, points=60, reason=PointsEvent.Reason.SETTLED_BEST)
    return type(user).objects.get(pk=user.pk)


def total(user, period: str = "all") -> int:
    return points.points_total(user=user, period=period)


def board(period: str = "all") -> dict[str, int]:
    return {e["username"]: e["points"] for e in points.leaderboard(period=period)}


def boards_consistent() -> bool:
    """Every board sums to the points of active players' events in its period."""
    for period in points.PERIODS:
        events = PointsEvent.objects.filter(user__is_active=True)
        start = points.period_start(period)
        if start is not None:
            events = events.filter(created__gte=start)
        positive = {}
        for row in events.values("user__username").annotate(s=Sum("points")):
            if row["s"] > 0:
                positive[row["user__username"]] = row["s"]
        if board(period) != positive:
            return False
    return True
