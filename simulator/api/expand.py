"""Generic `expand[]`: replace id fields by the objects they name, at any depth, as Stripe does."""

from dataclasses import dataclass
from typing import Callable

from ..engine.errors import InvalidRequest
from ..engine.rendering import render
from ..spec import load_schema
from ..versions import is_pre_basil

MAX_DEPTH = 4



@dataclass(frozen=True)
class Includes:
    """Fields computed only on request: (type, field) -> fn(state, obj, version), and the same for a nested hash's
    fields, (type, field, sub-field) -> fn (`checkout.session.total_details.breakdown`)."""

    fields: dict[tuple[str, str], Callable]
    nested: dict[tuple[str, str, str], Callable]


def expand(includes: Includes, state, obj: dict, paths: list[str] | None, version: str) -> dict:
    """`obj` with every path in `paths` expanded; `obj` itself is never modified (copy on write)."""
    if not paths:
        return obj
    for path in paths:
        if path.count(".") >= MAX_DEPTH:
            raise InvalidRequest(f"You cannot expand more than {MAX_DEPTH} levels of a property. "
                                 f"Property: {path}", param="expand")
    return _expand(includes, state, obj, _tree(paths), version)


def check_paths(response_schema: dict, paths: list[str], version: str, includes: Includes | None = None) -> None:
    """Refuse, before anything runs, an `expand[]` path that is not expandable in the operation's response schema.

    Each step must be one of the `x-expandableFields` of the schema reached so far. Pre-basil requests may name
    fields the schema no longer has (`invoice.subscription`): those are left to the object at hand.
    """
    for path in paths:
        if path.count(".") >= MAX_DEPTH:
            raise InvalidRequest(f"You cannot expand more than {MAX_DEPTH} levels of a property. "
                                 f"Property: {path}", param="expand")
        nodes = _objects(response_schema)
        for part in path.split("."):
            if includes is not None and any((node.get("x-resourceId"), part) in includes.fields for node in nodes):
                break  # includable: computed on request, whatever the spec lists as expandable
            if not any(part in node.get("x-expandableFields", ()) for node in nodes):
                known = any(part in node.get("properties", {}) for node in nodes)
                if not known and is_pre_basil(version):
                    break
                raise InvalidRequest(f"This property cannot be expanded ({part}).", param="expand")
            nodes = [child for node in nodes if part in node.get("x-expandableFields", ())
                     for child in _objects(_items(node["properties"][part]))]


def _objects(node: dict) -> list[dict]:
    """The object schemas a schema node can be: through $ref, anyOf/oneOf (ids are strings, not objects)."""
    if "$ref" in node:
        return _objects(load_schema()["components"]["schemas"][node["$ref"].rpartition("/")[2]])
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        return [obj for branch in branches for obj in _objects(branch)]
    return [node] if "properties" in node else []


def _items(node: dict) -> dict:
    """An array's item schema (expanding `data` or `lines.data` reaches into list items)."""
    return node.get("items", node) if node.get("type") == "array" else node


def _tree(paths: list[str]) -> dict:
    """['data.customer', 'data.price.product'] -> {'data': {'customer': {}, 'price': {'product': {}}}}."""
    root: dict = {}
    for path in paths:
        node = root
        for part in path.split("."):
            node = node.setdefault(part, {})
    return root


def _expand(includes, state, obj: dict, tree: dict, version: str) -> dict:
    out = dict(obj)
    for key, rest in tree.items():
        hook = includes.fields.get((obj.get("object"), key))
        if hook is not None:
            out[key] = _expand_value(includes, state, hook(state, obj, version), rest, version, key)
        elif key in obj:
            value, rest = _include_in(includes, state, obj, key, rest, version)
            out[key] = _expand_value(includes, state, value, rest, version, key)
        # A key the object does not have is ignored: trusted integrations expand fields of newer
        # API versions, and failing them would break more than it would teach.
    return out


def _include_in(includes, state, obj: dict, key: str, rest: dict, version: str) -> tuple:
    """obj[key] with its requested includable sub-fields filled in, and the expansions still to do."""
    hooks = {sub: includes.nested.get((obj.get("object"), key, sub)) for sub in rest}
    if not isinstance(obj[key], dict) or not any(hooks.values()):
        return obj[key], rest
    value = dict(obj[key])
    for sub, hook in hooks.items():
        if hook is not None:
            value[sub] = hook(state, obj, version)
    return value, {sub: children for sub, children in rest.items() if hooks[sub] is None or children}


def _expand_value(includes, state, value, rest: dict, version: str, key: str):
    if value is None:
        return None
    if isinstance(value, str):
        target = state.store.get(value)
        if target is None:
            if rest or "_" not in value:
                raise InvalidRequest(f"This property cannot be expanded ({key}).", param="expand")
            return value
        shown = render(state, target, version)
        return _expand(includes, state, shown, rest, version) if rest else shown
    if isinstance(value, dict):
        return _expand(includes, state, value, rest, version) if rest else value
    if isinstance(value, list):
        return [_expand_value(includes, state, item, rest, version, key) for item in value]
    raise InvalidRequest(f"This property cannot be expanded ({key}).", param="expand")
