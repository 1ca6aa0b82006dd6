"""Turns stored records into Stripe objects in one payload shape, and lists into list objects."""

import copy

from ..versions import BASIL, CURRENT, PRE_BASIL, absent_at, hosted_ui_mode, is_pre_basil

# Builders only tell versions apart by these three shapes, so one rendering per shape serves every version.
SHAPES: dict[str, str] = {"pre-basil": PRE_BASIL, "basil": BASIL, "current": CURRENT}



def shape_of(version: str) -> str:
    """Which of SHAPES renders `version`."""
    if is_pre_basil(version):
        return "pre-basil"
    return "basil" if hosted_ui_mode(version) == "hosted" else "current"


def gate(value, version: str):
    """`value` without the fields its objects do not carry yet at `version` (versions.FIELDS), at any depth;
    copied only where a field goes, so frozen event renders stay as they are."""
    absent = absent_at(version)
    return _gate(value, absent) if absent else value


def _gate(value, absent: dict):
    kind = type(value)
    if kind is dict:
        obj = value.get("object")
        if obj == "event":  # an event keeps the version it was rendered in (render_event gated it)
            return value
        drop = absent.get(obj, ()) if type(obj) is str else ()
        out = None
        for key, item in value.items():
            new = _gate(item, absent) if type(item) in (dict, list) else item
            if key in drop or new is not item:
                if out is None:
                    out = {k: v for k, v in value.items()}
                if key in drop:
                    del out[key]
                else:
                    out[key] = new
        return value if out is None else out
    if kind is list:
        items = [_gate(item, absent) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else items
    return value


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
