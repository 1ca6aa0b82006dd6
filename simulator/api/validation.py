"""Request validation from the derived schema: form values are checked and typed, errors worded as Stripe's."""

import copy
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..engine.errors import InvalidParameter, MissingParameter, UnknownParameter
from ..versions import KNOWN_VERSIONS, parameters_at
from .forms import param_path
from .operations import Operation

INTEGER = re.compile(r"^-?[0-9]+$")
# An ISO 4217 code's shape (Stripe takes any case); which codes Stripe settles in is for the handlers to say.
CURRENCY = re.compile(r"^[A-Za-z]{3}$")
# Form values are strings or nested dicts; list positions arrive as digit-string keys (see forms.decode).
UNSET = {"enum": [""], "type": "string"}
# The spec's usual string, and every operation's `expand` as it states it (both also serve the schemas of
# the routes the spec leaves out).
TEXT = {"maxLength": 5000, "type": "string"}
EXPAND = {"items": TEXT, "type": "array"}


def empty_error(path: str) -> InvalidParameter:
    """Stripe's refusal of `param=` for a parameter that cannot be unset."""
    return InvalidParameter(
        f"You passed an empty string for '{path}'. We assume empty values are an attempt to unset a parameter; "
        f"however '{path}' cannot be unset. You should remove '{path}' from your request or supply a non-empty "
        "value.", path, code="parameter_invalid_empty")


@functools.lru_cache(maxsize=1024)
def request_schema(op: Operation) -> dict:
    """One closed object schema for an operation's parameters: the query for GET/DELETE, else the form body."""
    spec = op.spec
    query = [p for p in spec.get("parameters", []) if p.get("in") == "query"]
    props = {p["name"]: p.get("schema", {}) for p in query}
    required = [p["name"] for p in query if p.get("required")]
    body = spec.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
    schema = body.get("schema") or {}
    props.update(schema.get("properties", {}))
    required += schema.get("required", [])
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


@functools.lru_cache(maxsize=1024)
def versioned_schema(op: Operation, version: str | None) -> dict:
    """`request_schema(op)` as it is at `version`: the version table's parameters put in, its removed ones left out."""
    schema = request_schema(op)
    present, absent = parameters_at(op.id, version) if version else ((), ())
    if not present and not absent:
        return schema
    schema = copy.deepcopy(schema)
    for path in absent:
        parent, name = _parent(schema, path)
        if parent is not None:
            parent.get("properties", {}).pop(name, None)
            parent["required"] = [key for key in parent.get("required", ()) if key != name]
    for parameter in present:
        parent, name = _parent(schema, parameter.name)
        if parent is not None:
            parent.setdefault("properties", {})[name] = parameter.schema
    return schema


def _parent(schema: dict, path: str) -> tuple[dict | None, str]:
    """The object schema holding the last step of a parameter path (`phases[].iterations`), and that step's name."""
    *steps, last = path.split(".")
    node: dict | None = schema
    for step in steps:
        name, many = (step[:-2], True) if step.endswith("[]") else (step, False)
        node = _branch(node.get("properties", {}).get(name), "array" if many else "object")
        if node is not None and many:
            node = _branch(node.get("items"), "object")
        if node is None:
            return None, last
    return node, last


def _branch(node: dict | None, kind: str) -> dict | None:
    """The `kind` branch of a schema node (the node itself, or the anyOf branch of that type)."""
    if node is None or node.get("type") == kind:
        return node
    return next((b for b in node.get("anyOf", ()) if b.get("type") == kind), None)


def response_schema(op: Operation) -> dict:
    """The operation's 200 JSON response schema (empty when it has none)."""
    ok = op.spec.get("responses", {}).get("200", {})
    return ok.get("content", {}).get("application/json", {}).get("schema", {})


def validate(op: Operation, raw: dict, version: str | None = None) -> dict:
    """`raw` (decoded form) checked against the operation's schema at `version` and typed; raises Stripe's
    parameter errors."""
    params = coerce(versioned_schema(op, version), raw, "")
    if isinstance(params.get("limit"), int):
        _check_limit(params["limit"])
    return params


def _check_limit(limit: int) -> None:
    """Pagination's 1–100, which the spec states only in prose."""
    if limit < 1:
        raise InvalidParameter(f"Invalid integer: {limit}; must be at least 1", "limit",
                               code="parameter_invalid_integer")
    if limit > 100:
        raise InvalidParameter(f"This value must be less than or equal to 100 (it currently is '{limit}').", "limit")


def coerce(schema: dict, value: Any, path: str) -> Any:
    """One value checked against one request schema node; `""` unsets what the schema lets be unset (None)."""
    if "anyOf" in schema:
        return _any_of(schema["anyOf"], value, path)
    if value == "":
        if schema.get("nullable") or schema == UNSET:
            return None
        if schema.get("type") == "string" and "" in schema.get("enum", ()):
            # Stripe's spec lists "" among a parameter's values where an empty value unsets it: the handler
            # sees it unset, never the empty string (which no response enum allows).
            return None
        raise empty_error(path)
    return KINDS.get(schema.get("type"), _anything)(schema, value, path)


def _any_of(branches: list[dict], value: Any, path: str) -> Any:
    """The first branch the value fits; otherwise the error of the branch shaped like the value."""
    if value == "" and any(b == UNSET for b in branches):
        return None
    errors = []
    for branch in branches:
        if branch == UNSET:
            continue
        try:
            return coerce(branch, value, path)
        except InvalidParameter as exc:
            errors.append((_fits(branch, value), exc))
        except (UnknownParameter, MissingParameter) as exc:
            # A later branch of the same shape may still fit (card: {number, exp_*} or {token}).
            if _fits(branch, value):
                errors.append((True, exc))
    fitting = [exc for fits, exc in errors if fits]
    raise (fitting or [exc for _, exc in errors])[0]


def _fits(schema: dict, value: Any) -> bool:
    """Whether a value has the shape of a schema (hashes for objects and arrays, strings for scalars)."""
    return (schema.get("type") in ("object", "array")) == isinstance(value, dict)


def _object(schema: dict, value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise InvalidParameter("Invalid hash", path or "<root>")
    props, extra = schema.get("properties"), schema.get("additionalProperties")
    out = {}
    for key, raw in value.items():
        child = param_path(path, key)
        if props is not None and key in props:
            out[key] = coerce(props[key], raw, child)
        elif isinstance(extra, dict):
            # Open hashes (metadata): an empty value removes the key, as on Stripe.
            out[key] = None if raw == "" else coerce(extra, raw, child)
        elif extra is False or props is not None:
            raise UnknownParameter(child)
        else:
            out[key] = raw
    for key in schema.get("required", ()):
        if key not in value:
            raise MissingParameter(param_path(path, key))
    return out


def _array(schema: dict, value: Any, path: str) -> list:
    if not isinstance(value, dict) or not all(key.isdigit() for key in value):
        raise InvalidParameter("Invalid array", path)
    items = [value[key] for key in sorted(value, key=int)]
    return [coerce(schema.get("items", {}), item, f"{path}[{index}]") for index, item in enumerate(items)]


def _string(schema: dict, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"Invalid string: {_show(value)}", path)
    if "enum" in schema and value not in schema["enum"] and not _newer_version(schema, value):
        values = [v for v in schema["enum"] if v != ""]
        listed = ", ".join(values[:-1]) + f", or {values[-1]}" if len(values) > 1 else values[0]
        raise InvalidParameter(f"Invalid {path}: must be one of {listed}", path)
    if len(value) > schema.get("maxLength", len(value)):
        raise InvalidParameter(f"Invalid string: {value[:20]}...; must be at most {schema['maxLength']} characters",
                               path)
    if schema.get("format") == "decimal":
        _decimal(value, path)
    if schema.get("format") == "currency" and not CURRENCY.match(value):
        raise InvalidParameter(f"Invalid currency: {value}. Stripe currently supports these currencies: "
                               "https://stripe.com/docs/currencies", path)
    return value


def _newer_version(schema: dict, value: str) -> bool:
    """An API version released after the spec (the fake speaks them) where the spec lists its versions."""
    return value in KNOWN_VERSIONS and "2011-01-01" in schema["enum"]


def _integer(schema: dict, value: Any, path: str) -> int:
    if not isinstance(value, str) or not INTEGER.match(value):
        raise InvalidParameter(f"Invalid integer: {_show(value)}", path, code="parameter_invalid_integer")
    return int(value)


def _number(schema: dict, value: Any, path: str) -> float:
    return float(_decimal(value, path))


def _decimal(value: Any, path: str) -> Decimal:
    try:
        number = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidParameter(f"Invalid decimal: {_show(value)}", path)
    return number


def _boolean(schema: dict, value: Any, path: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise InvalidParameter(f"Invalid boolean: {_show(value)}", path)


def _anything(schema: dict, value: Any, path: str) -> Any:
    return value


def _show(value: Any) -> str:
    return value if isinstance(value, str) else "(hash)"


KINDS = {"object": _object, "array": _array, "string": _string, "integer": _integer, "number": _number,
         "boolean": _boolean}
