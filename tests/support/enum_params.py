"""Every enum-valued request parameter of an operation, found in the packaged spec: where it sits, what it takes,
whether `""` may unset it, and the required siblings that must come with it."""

from dataclasses import dataclass

from simulator.spec import load_schema

# The spec's way of saying a parameter may be unset with an empty value.
UNSET = {"enum": [""], "type": "string"}
MAX_DEPTH = 6


@dataclass(frozen=True)
class EnumParam:
    """One enum parameter of one operation: `invoice_settings[rendering_options][amount_tax_display]`."""

    path: str
    values: tuple[str, ...]
    unsettable: bool
    mixed: bool  # the parameter also takes another type (`start_date`: a timestamp or "now")
    siblings: tuple[tuple[str, str], ...]


def enum_params(schema: dict) -> list[EnumParam]:
    """Every enum parameter of a request schema (an object of parameters), at any depth, once per path."""
    found: dict[str, EnumParam] = {}
    for param in _walk_object(schema, "", (), 0):
        found.setdefault(param.path, param)
    return list(found.values())


def _resolve(node: dict) -> dict:
    if "$ref" in node:
        return load_schema()["components"]["schemas"][node["$ref"].rpartition("/")[2]]
    return node


def _branches(holder: dict) -> list[dict]:
    holder = _resolve(holder)
    return [_resolve(b) for b in holder.get("anyOf") or holder.get("oneOf") or [holder] if b != UNSET]


def _unsettable(holder: dict) -> bool:
    """Whether the spec lets `""` unset this parameter: an anyOf with the empty branch, "" listed, or nullable."""
    holder = _resolve(holder)
    if holder.get("nullable") or UNSET in holder.get("anyOf", ()):
        return True
    return any(b.get("type") == "string" and "" in b.get("enum", ()) for b in _branches(holder))


def _walk_object(node: dict, path: str, siblings: tuple, depth: int):
    props, required = node.get("properties") or {}, node.get("required", ())
    for key, child in props.items():
        child_path = f"{path}[{key}]" if path else key
        needed = tuple(pair for other in required if other != key
                       for pair in synthesize(props[other], f"{path}[{other}]" if path else other))
        yield from _walk(child, child_path, siblings + needed, depth + 1)


def _walk(holder: dict, path: str, siblings: tuple, depth: int):
    if depth > MAX_DEPTH:
        return
    for branch in _branches(holder):
        kind = branch.get("type")
        if kind == "string" and [v for v in branch.get("enum", ()) if v]:
            values = tuple(v for v in branch["enum"] if v)
            mixed = any(b.get("type") != "string" for b in _branches(holder))
            yield EnumParam(path, values, _unsettable(holder), mixed, siblings)
        elif kind == "object":
            yield from _walk_object(branch, path, siblings, depth)
        elif kind == "array":
            yield from _walk(branch.get("items", {}), f"{path}[0]", siblings, depth + 1)


def synthesize(holder: dict, path: str) -> tuple[tuple[str, str], ...]:
    """Form pairs giving a required parameter some valid-looking value (the first enum value, 1, true, x)."""
    branches = _branches(holder)
    if not branches:
        return ()
    node = branches[0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties") or {}
        return tuple(pair for key in node.get("required", ()) for pair in synthesize(props[key], f"{path}[{key}]"))
    if kind == "array":
        return synthesize(node.get("items", {}), f"{path}[0]")
    if kind == "string" and node.get("enum"):
        return ((path, next(v for v in node["enum"] if v)),)
    if node.get("format") in ("currency", "decimal"):
        return ((path, "usd" if node["format"] == "currency" else "1"),)
    return ((path, {"integer": "1", "number": "1", "boolean": "true"}.get(kind, "x")),)
