"""Turns stored records into Stripe objects in one API version's shape, and lists into list objects."""

import copy

from ..versions import BASIL, CURRENT, PRE_BASIL, hosted_ui_mode, is_pre_basil

# Builders only tell versions apart by these three shapes, so one rendering per shape serves every version.
SHAPES: dict[str, str] = {"pre-basil": PRE_BASIL, "basil": BASIL, "current": CURRENT}



def shape_of(version: str) -> str:
    """Which of SHAPES renders `version`."""
    if is_pre_basil(version):
        return "pre-basil"
    return "basil" if hosted_ui_mode(version) == "hosted" else "current"


def render(state, record: dict, version: str) -> dict:
    """The Stripe object for a stored record (records of plain types are returned as they are)."""
    renderer = state.renderers.get(record["object"])
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
