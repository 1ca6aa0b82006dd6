"""Generic `expand[]`: replace id fields by the objects they name, at any depth, as Stripe does."""

from typing import Callable

from .errors import InvalidRequest
from .rendering import render

MAX_DEPTH = 4

# (object type, field) -> fn(state, obj, version): fields that are only included on request
# (`checkout.session.line_items`, `price.currency_options`); their value is computed, not looked up.
INCLUDABLE: dict[tuple[str, str], Callable] = {}


def expand(state, obj: dict, paths: list[str] | None, version: str) -> dict:
    """`obj` with every path in `paths` expanded; `obj` itself is never modified (copy on write)."""
    if not paths:
        return obj
    for path in paths:
        if path.count(".") >= MAX_DEPTH:
            raise InvalidRequest(f"You cannot expand more than {MAX_DEPTH} levels of a property. "
                                 f"Property: {path}", param="expand")
    return _expand(state, obj, _tree(paths), version)


def _tree(paths: list[str]) -> dict:
    """['data.customer', 'data.price.product'] -> {'data': {'customer': {}, 'price': {'product': {}}}}."""
    root: dict = {}
    for path in paths:
        node = root
        for part in path.split("."):
            node = node.setdefault(part, {})
    return root


def _expand(state, obj: dict, tree: dict, version: str) -> dict:
    out = dict(obj)
    for key, rest in tree.items():
        hook = INCLUDABLE.get((obj.get("object"), key))
        if hook is not None:
            out[key] = _expand_value(state, hook(state, obj, version), rest, version, key)
        elif key in obj:
            out[key] = _expand_value(state, obj[key], rest, version, key)
        # A key the object does not have is ignored: trusted integrations expand fields of newer
        # API versions, and failing them would break more than it would teach.
    return out


def _expand_value(state, value, rest: dict, version: str, key: str):
    if value is None:
        return None
    if isinstance(value, str):
        target = state.store.get(value)
        if target is None:
            if rest or "_" not in value:
                raise InvalidRequest(f"This property cannot be expanded ({key}).", param="expand")
            return value
        return _expand(state, render(state, target, version), rest, version) if rest else render(state, target, version)
    if isinstance(value, dict):
        return _expand(state, value, rest, version) if rest else value
    if isinstance(value, list):
        return [_expand_value(state, item, rest, version, key) for item in value]
    raise InvalidRequest(f"This property cannot be expanded ({key}).", param="expand")
