"""Turns stored records into Stripe objects in one API version's shape, and lists into list objects."""

import copy
from typing import Callable

from ..versions import BASIL, CURRENT, PRE_BASIL, hosted_ui_mode, is_pre_basil

# Builders only tell versions apart by these three shapes, so one rendering per shape serves every version.
SHAPES: dict[str, str] = {"pre-basil": PRE_BASIL, "basil": BASIL, "current": CURRENT}

# object type -> fn(state, record, version): types whose records are not already Stripe objects.
RENDERERS: dict[str, Callable] = {}
# Types whose rendering differs between SHAPES (the others render the same in every version).
VERSIONED: set[str] = set()


def shape_of(version: str) -> str:
    """Which of SHAPES renders `version`."""
    if is_pre_basil(version):
        return "pre-basil"
    return "basil" if hosted_ui_mode(version) == "hosted" else "current"


def render(state, record: dict, version: str) -> dict:
    """The Stripe object for a stored record (records of plain types are returned as they are)."""
    renderer = RENDERERS.get(record["object"])
    return renderer(state, record, version) if renderer else record


def snapshot(state, record: dict, version: str) -> dict:
    """A rendering that later changes to the record cannot touch (what events carry)."""
    return json_copy(render(state, record, version))


def json_copy(value):
    """A deep copy of JSON-like data (dicts, lists, scalars): what copy.deepcopy does here, several times faster."""
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if kind is list:
        return [json_copy(v) for v in value]
    return value if kind is not tuple else copy.deepcopy(value)


def list_object(url: str, data: list[dict], has_more: bool) -> dict:
    """Stripe's list envelope."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def deleted(id: str, kind: str) -> dict:
    """What DELETE answers."""
    return {"id": id, "object": kind, "deleted": True}


def in_range(value: int, bounds: dict | None) -> bool:
    """Stripe's `created[gte]=…` style filters."""
    if not bounds:
        return True
    return (value > bounds.get("gt", value - 1) and value >= bounds.get("gte", value)
            and value < bounds.get("lt", value + 1) and value <= bounds.get("lte", value))


def page(call, kind: str, url: str, p: dict, *, where: dict | None = None,
         accept: Callable[[dict], bool] | None = None, draw: Callable | None = None) -> dict:
    """One rendered list page of `kind` objects for Stripe's pagination, `created` and filter params."""
    created = p.get("created")
    if isinstance(created, int):
        # `created=<timestamp>` is an exact match, like `created[gte]=t&created[lte]=t`.
        created = {"gte": created, "lte": created}
    test = accept
    if created:
        def test(obj: dict) -> bool:
            return in_range(obj["created"], created) and (accept is None or accept(obj))
    objects, has_more = call.state.store.page(
        kind, limit=p.get("limit", 10), starting_after=p.get("starting_after"),
        ending_before=p.get("ending_before"), where=where, accept=test)
    draw = draw or render
    return list_object(url, [draw(call.state, obj, call.version) for obj in objects], has_more)
