"""Lists and stars: a researcher's own collections of features. Only a list's owner changes it;
a private list is, to anyone else, a list that does not exist (404, not 403: its existence is
private too)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from game.models import Feature
from game.services.errors import ServiceError
from research.models import (
    ITEM_NOTE_MAX,
    LIST_DESCRIPTION_MAX,
    LIST_NAME_MAX,
    LIST_TEST_TEXT_MAX,
    FeatureList,
    FeatureListItem,
    Star,
)

# A list is a reading list, not a dump of a source: more than this is refused.
LIST_ITEMS_MAX = 500
LISTS_PER_USER_MAX = 200


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError(f"Give {field!r} as text.", field=field)
    value = value.strip()
    if required and not value:
        raise ServiceError(f"The list needs a {field}.", field=field)
    if len(value) > limit:
        raise ServiceError(f"The {field.replace('_', ' ')} is {len(value)} characters long; the limit is {limit}.",
                           field=field)
    return value


def list_get(list_id: int, *, viewer, for_change: bool = False) -> FeatureList:
    """The list if `viewer` may see it (or, `for_change`, change it); ServiceError 404 otherwise."""
    found = FeatureList.objects.select_related("owner").filter(pk=list_id).first()
    if found is None or not found.visible_to(viewer):
        raise ServiceError(f"There is no list {list_id}.", status=404)
    if for_change and found.owner_id != getattr(viewer, "pk", None):
        raise ServiceError("Only its owner can change a list.", status=403)
    return found


def list_create(*, owner, name: Any, description: Any = "", test_text: Any = "", public: Any = False) -> FeatureList:
    name = _text(name, "name", LIST_NAME_MAX, required=True)
    fields = {"description": _text(description, "description", LIST_DESCRIPTION_MAX),
              "test_text": _text(test_text, "test_text", LIST_TEST_TEXT_MAX), "public": _flag(public)}
    if FeatureList.objects.filter(owner=owner).count() >= LISTS_PER_USER_MAX:
        raise ServiceError(f"You have {LISTS_PER_USER_MAX} lists, the most one player may keep; delete one first.",
                           status=409)
    try:
        with transaction.atomic():
            return FeatureList.objects.create(owner=owner, name=name, **fields)
    except IntegrityError:
        raise ServiceError(f"You already have a list named \u201c{name}\u201d.", status=409, field="name") from None


def list_update(feature_list: FeatureList, **changes: Any) -> FeatureList:
    """Change any of name, description, test_text, public (the others as they are)."""
    limits = {"name": LIST_NAME_MAX, "description": LIST_DESCRIPTION_MAX, "test_text": LIST_TEST_TEXT_MAX}
    for field, value in changes.items():
        if field == "public":
            feature_list.public = _flag(value)
        else:
            setattr(feature_list, field, _text(value, field, limits[field], required=field == "name"))
    try:
        with transaction.atomic():
            feature_list.save()
    except IntegrityError:
        raise ServiceError(f"You already have a list named \u201c{feature_list.name}\u201d.", status=409,
                           field="name") from None
    return feature_list


def list_delete(feature_list: FeatureList) -> None:
    feature_list.delete()


def list_item_add(feature_list: FeatureList, *, feature: Feature, note: Any = "") -> tuple[FeatureListItem, bool]:
    """(item, created): adding a feature already in the list changes nothing but its note, if given."""
    note = _text(note, "note", ITEM_NOTE_MAX)
    with transaction.atomic():
        FeatureList.objects.select_for_update().filter(pk=feature_list.pk).first()  # one adder at a time
        item = FeatureListItem.objects.filter(feature_list=feature_list, feature=feature).first()
        if item is not None:
            if note and note != item.note:
                item.note = note
                item.save(update_fields=["note"])
            return item, False
        if feature_list.items.count() >= LIST_ITEMS_MAX:
            raise ServiceError(f"A list holds at most {LIST_ITEMS_MAX} features.", status=409)
        item = FeatureListItem.objects.create(feature_list=feature_list, feature=feature, note=note)
        feature_list.save(update_fields=["updated"])
    return item, True


def list_items_add(feature_list: FeatureList, *, features: list[Feature]) -> int:
    """Several features at once (a selection on the map); returns how many were new."""
    added = 0
    for feature in features:
        added += list_item_add(feature_list, feature=feature)[1]
    return added


def list_item_get(feature_list: FeatureList, item_id: int) -> FeatureListItem:
    item = feature_list.items.select_related("feature__source__model").filter(pk=item_id).first()
    if item is None:
        raise ServiceError(f"List {feature_list.pk} has no item {item_id}.", status=404)
    return item


def list_item_note(item: FeatureListItem, note: Any) -> FeatureListItem:
    item.note = _text(note, "note", ITEM_NOTE_MAX)
    item.save(update_fields=["note"])
    return item


def list_item_remove(item: FeatureListItem) -> None:
    item.delete()


def star_set(*, user, feature: Feature, starred: bool) -> int:
    """Star or unstar (idempotent); returns the feature's star count."""
    if starred:
        Star.objects.get_or_create(user=user, feature=feature)
    else:
        Star.objects.filter(user=user, feature=feature).delete()
    return Star.objects.filter(feature=feature).count()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ServiceError("Give 'public' as true or false.", field="public")
    return value
