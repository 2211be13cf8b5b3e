"""Lists, stars and comments over the JSON API: what researchers keep and say about features.
A ninja Router mounted at /api/ by `latentpedia/api.py`; rules in `research.lists` and
`research.comments`, reads in `research.community`. Reading is open to anyone (private lists
only to their owner); every change needs a login (session with CSRF, or a Bearer token).
Reports on comments go to the moderators through `POST /api/comments/{id}/report`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import StrictBool, StrictInt

from accounts.api_auth import ANYONE, LOGGED_IN
from accounts.api_base import ApiError, In, errors
from game.api_support import RateLimit
from game.models import Feature
from game.selectors import feature_get
from research import comments, community, lists

router = Router(tags=["lists and comments"])
SLUG = r"^[-a-zA-Z0-9_]+$"
FEATURE_PATH = "/feature/{slug:model}/{slug:source}/{int:index}"


def _feature(model: str, source: str, index: int) -> Feature:
    feature = feature_get(model=model, source=source, index=index)
    if feature is None:
        raise ApiError(f"No feature {index} in {model}/{source}.", status=404)
    return feature


class FeatureRef(Schema):
    model: str
    source: str
    index: int


class ItemOut(Schema):
    id: int
    feature: FeatureRef
    note: str
    explanation: str | None
    added: dt.datetime


class ListSummary(Schema):
    id: int
    name: str
    description: str
    owner: str
    public: bool
    items: int
    updated: dt.datetime


class ListOut(ListSummary):
    test_text: str
    entries: list[ItemOut]


class ListsOut(Schema):
    lists: list[ListSummary]


class ListIn(In):
    name: str
    description: str = ""
    test_text: str = ""
    public: StrictBool = False


class ListPatch(In):
    name: str | None = None
    description: str | None = None
    test_text: str | None = None
    public: StrictBool | None = None


class ItemIn(In):
    model: str
    source: str
    index: StrictInt
    note: str = ""


class ItemsIn(In):
    """Several features of one source at once (a selection on the map)."""

    model: str
    source: str
    indexes: list[StrictInt]


class ItemsAdded(Schema):
    added: int
    items: int


class NoteIn(In):
    note: str


class Deleted(Schema):
    deleted: bool


@router.get("/lists", response={200: ListsOut, **errors(400, 404)}, auth=ANYONE, url_name="api-lists",
            summary="A player's lists (?user=name; yours, private ones too, when you are logged in)")
def lists_index(request: HttpRequest, user: str = "") -> Any:
    owner = community.player_named(user) if user else (request.user if request.user.is_authenticated else None)
    if owner is None:
        raise ApiError("Say whose lists: ?user=<name> (or log in to see your own).", status=400, field="user")
    return {"lists": community.lists_of(owner, viewer=request.user)}


@router.post("/lists", response={201: ListOut, **errors(400, 401, 403, 409, 429)}, auth=LOGGED_IN,
             throttle=[RateLimit("submit")], url_name="api-lists", summary="Make a list")
def list_new(request: HttpRequest, payload: ListIn) -> Any:
    made = lists.list_create(owner=request.user, **payload.dict())
    return Status(201, community.list_payload(made))


@router.get("/lists/{int:list_id}", response={200: ListOut, **errors(404)}, auth=ANYONE, url_name="api-list",
            summary="A list with its features (a private one only for its owner)")
def list_detail(request: HttpRequest, list_id: int) -> Any:
    return community.list_payload(lists.list_get(list_id, viewer=request.user))


@router.patch("/lists/{int:list_id}", response={200: ListOut, **errors(400, 401, 403, 404, 409)}, auth=LOGGED_IN,
              url_name="api-list", summary="Rename, describe, set the test text or make public or private")
def list_change(request: HttpRequest, list_id: int, payload: ListPatch) -> Any:
    changes = payload.dict(exclude_unset=True)
    if any(v is None for v in changes.values()):
        raise ApiError("A field given must have a value.", status=400,
                       field=next(k for k, v in changes.items() if v is None))
    return community.list_payload(lists.list_update(lists.list_get(list_id, viewer=request.user, for_change=True),
                                                    **changes))


@router.delete("/lists/{int:list_id}", response={200: Deleted, **errors(401, 403, 404)}, auth=LOGGED_IN,
               url_name="api-list", summary="Delete a list")
def list_remove(request: HttpRequest, list_id: int) -> Any:
    lists.list_delete(lists.list_get(list_id, viewer=request.user, for_change=True))
    return {"deleted": True}


@router.post("/lists/{int:list_id}/items", response={(200, 201): ItemOut, **errors(400, 401, 403, 404, 409)},
             auth=LOGGED_IN, url_name="api-list-items", summary="Add a feature (201), or change its note (200)")
def list_item_new(request: HttpRequest, list_id: int, payload: ItemIn) -> Any:
    target = lists.list_get(list_id, viewer=request.user, for_change=True)
    item, created = lists.list_item_add(target, feature=_feature(payload.model, payload.source, payload.index),
                                        note=payload.note)
    return Status(201 if created else 200, community.item_payload(item))


@router.post("/lists/{int:list_id}/items/bulk", response={200: ItemsAdded, **errors(400, 401, 403, 404, 409)},
             auth=LOGGED_IN, url_name="api-list-items-bulk", summary="Add several features of one source")
def list_items_new(request: HttpRequest, list_id: int, payload: ItemsIn) -> Any:
    target = lists.list_get(list_id, viewer=request.user, for_change=True)
    features = community.features_of(payload.model, payload.source, payload.indexes)
    added = lists.list_items_add(target, features=features)
    return {"added": added, "items": target.items.count()}


@router.patch("/lists/{int:list_id}/items/{int:item_id}", response={200: ItemOut, **errors(400, 401, 403, 404)},
              auth=LOGGED_IN, url_name="api-list-item", summary="Change a feature's note in the list")
def list_item_change(request: HttpRequest, list_id: int, item_id: int, payload: NoteIn) -> Any:
    item = lists.list_item_get(lists.list_get(list_id, viewer=request.user, for_change=True), item_id)
    return community.item_payload(lists.list_item_note(item, payload.note))


@router.delete("/lists/{int:list_id}/items/{int:item_id}", response={200: Deleted, **errors(401, 403, 404)},
               auth=LOGGED_IN, url_name="api-list-item", summary="Take a feature out of the list")
def list_item_remove(request: HttpRequest, list_id: int, item_id: int) -> Any:
    lists.list_item_remove(lists.list_item_get(lists.list_get(list_id, viewer=request.user, for_change=True), item_id))
    return {"deleted": True}


# --- Stars --------------------------------------------------------------------------------------


class StarOut(Schema):
    starred: bool
    stars: int


@router.post(FEATURE_PATH + "/star", response={200: StarOut, **errors(401, 403, 404)}, auth=LOGGED_IN,
             url_name="api-feature-star", summary="Star a feature")
def star(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
         index: int = Path(..., ge=0)) -> Any:
    return {"starred": True, "stars": lists.star_set(user=request.user, feature=_feature(model, source, index),
                                                     starred=True)}


@router.delete(FEATURE_PATH + "/star", response={200: StarOut, **errors(401, 403, 404)}, auth=LOGGED_IN,
               url_name="api-feature-star", summary="Take your star back")
def unstar(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
           index: int = Path(..., ge=0)) -> Any:
    return {"starred": False, "stars": lists.star_set(user=request.user, feature=_feature(model, source, index),
                                                      starred=False)}


# --- Comments -----------------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    author: str
    text: str
    created: dt.datetime
    own: bool


class CommentsOut(Schema):
    comments: list[CommentOut]


class CommentIn(In):
    text: str


class ListRef(Schema):
    id: int
    name: str


class SocialOut(Schema):
    stars: int
    starred: bool
    my_lists: list[ListRef]
    comments: list[CommentOut]


@router.get(FEATURE_PATH + "/social", response={200: SocialOut, **errors(404)}, auth=ANYONE,
            url_name="api-feature-social", summary="Stars, your lists and the comments of a feature (its page)")
def social(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
           index: int = Path(..., ge=0)) -> Any:
    return community.feature_social(_feature(model, source, index), viewer=request.user)


@router.get(FEATURE_PATH + "/comments", response={200: CommentsOut, **errors(404)}, auth=ANYONE,
            url_name="api-feature-comments", summary="A feature's comments, oldest first (hidden ones left out)")
def comments_list(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
                  index: int = Path(..., ge=0)) -> Any:
    return {"comments": community.comments_on(_feature(model, source, index), viewer=request.user)}


@router.post(FEATURE_PATH + "/comments", response={201: CommentOut, **errors(400, 401, 403, 404, 429)},
             auth=LOGGED_IN, throttle=[RateLimit("submit")], url_name="api-feature-comments",
             summary="Comment on a feature")
def comment_new(request: HttpRequest, payload: CommentIn, model: str = Path(..., pattern=SLUG),
                source: str = Path(..., pattern=SLUG), index: int = Path(..., ge=0)) -> Any:
    made = comments.comment_post(author=request.user, feature=_feature(model, source, index), text=payload.text)
    return Status(201, community.comment_payload(made, viewer=request.user))


@router.delete("/comments/{int:comment_id}", response={200: Deleted, **errors(401, 403, 404)}, auth=LOGGED_IN,
               url_name="api-comment", summary="Delete your comment")
def comment_remove(request: HttpRequest, comment_id: int) -> Any:
    comments.comment_delete(comments.comment_get(comment_id), by=request.user)
    return {"deleted": True}


# --- Recent activity ----------------------------------------------------------------------------


class ActivityEntry(Schema):
    kind: str
    at: dt.datetime
    user: str
    feature: FeatureRef | None = None
    text: str | None = None
    list_id: int | None = None
    list_name: str | None = None


class ActivityOut(Schema):
    entries: list[ActivityEntry]


@router.get("/activity", response={200: ActivityOut, **errors(400, 404)}, auth=ANYONE, url_name="api-activity",
            summary="Recent comments, public lists, stars and scored explanations, newest first")
def activity(request: HttpRequest, user: str = "") -> Any:
    owner = community.player_named(user) if user else None
    return {"entries": community.recent_activity(user=owner)}

