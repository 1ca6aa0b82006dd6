"""Strict validation of Stripe-shaped objects and request params against the derived OpenAPI 3.0 schema.

Strict: an object schema that lists its properties and says nothing about others accepts no other field
(Stripe's spec leaves them open; an unknown field in a fake payload is a bug, not an extension).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT7

MAX_ERRORS = 50
MAX_MESSAGE_CHARS = 300

_COMPONENT_REF = "#/components/schemas/"
# Keywords whose meaning is identical in OpenAPI 3.0 and draft 7; everything not listed here or
# handled explicitly (x-* vendor keys, format, description, nullable, ...) is dropped.
_PASSTHROUGH = frozenset(
    {
        "type", "enum", "required", "maxLength", "minLength", "pattern", "maximum", "minimum",
        "multipleOf", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties",
    }
)
_COMBINATORS = ("anyOf", "oneOf", "allOf")
_NULL = {"type": "null"}
# Form encoding turns every scalar into a string, so requests may carry these as strings.
_FORM_SCALAR_PATTERNS = {
    "integer": r"^-?[0-9]+$",
    "number": r"^-?[0-9]+(\.[0-9]+)?$",
    "boolean": r"^(true|false)$",
}


class SpecValidator:
    """Validates plain dicts against component, response and request schemas of one spec."""

    def __init__(self, spec: dict):
        """Prepare lazy converters for response-shaped and form-encoded request schemas."""
        self._spec = spec
        self._objects = _Converter(spec, "urn:stripe-openapi:object:", form_lax=False)
        self._forms = _Converter(spec, "urn:stripe-openapi:form:", form_lax=True)
        self._operation_schemas: dict[tuple, dict] = {}

    def validate_object(self, obj: Any, schema_name: str) -> list[str]:
        """Validate `obj` against #/components/schemas/<schema_name>."""
        if schema_name not in self._objects.components:
            raise KeyError(f"no component schema named {schema_name!r} in the spec")
        return self._objects.validate(obj, {"$ref": self._objects.uri(schema_name)})

    def validate_response(
        self, obj: Any, method: str, path_template: str, status: int | str = 200
    ) -> list[str]:
        """Validate `obj` against the JSON response schema of an operation."""
        key = ("response", method.lower(), path_template, str(status))
        if key not in self._operation_schemas:
            schema = self._response_schema(method, path_template, status)
            self._operation_schemas[key] = self._objects.convert(schema)
        return self._objects.validate(obj, self._operation_schemas[key])

    def validate_request(self, params: dict, method: str, path_template: str) -> list[str]:
        """Validate un-encoded request params against an operation's form body schema."""
        key = ("request", method.lower(), path_template)
        if key not in self._operation_schemas:
            schema = self._request_schema(method, path_template)
            self._operation_schemas[key] = self._forms.convert(schema)
        return self._forms.validate(_drop_none(params), self._operation_schemas[key])

    def _operation(self, method: str, path_template: str) -> dict:
        """Return the operation object, with an error that says what is missing."""
        operations = self._spec.get("paths", {}).get(path_template)
        if operations is None:
            raise KeyError(f"no path {path_template!r} in the spec")
        if method.lower() not in operations:
            raise KeyError(f"no {method.upper()} operation on {path_template!r}")
        return operations[method.lower()]

    def _response_schema(self, method: str, path_template: str, status: int | str) -> dict:
        """Return the raw application/json response schema of an operation."""
        responses = self._operation(method, path_template).get("responses", {})
        try:
            return responses[str(status)]["content"]["application/json"]["schema"]
        except KeyError:
            raise KeyError(
                f"{method.upper()} {path_template} has no JSON response for status {status}"
            ) from None

    def _request_schema(self, method: str, path_template: str) -> dict:
        """Return the raw form-encoded request body schema (empty body means no params allowed)."""
        body = self._operation(method, path_template).get("requestBody")
        if body is None:
            return {"type": "object", "additionalProperties": False}
        return body["content"]["application/x-www-form-urlencoded"]["schema"]


class _Converter:
    """Converts OpenAPI 3.0 schemas to draft 7 lazily, one component at a time, and validates."""

    def __init__(self, spec: dict, urn_prefix: str, form_lax: bool):
        """Set up an empty registry that pulls in components on first reference."""
        self.components: dict = spec.get("components", {}).get("schemas", {})
        self._prefix = urn_prefix
        self._form_lax = form_lax
        self._resources: dict[str, Resource] = {}
        self._registry: Registry = Registry(retrieve=self._retrieve)

    def uri(self, component: str) -> str:
        """Return the registry URI of a component schema."""
        return self._prefix + component

    def validate(self, instance: Any, schema: dict) -> list[str]:
        """Return up to MAX_ERRORS formatted errors for `instance` against converted `schema`."""
        validator = Draft7Validator(schema, registry=self._registry)
        causes = itertools.chain.from_iterable(map(_causes, validator.iter_errors(instance)))
        return [_format_error(cause) for cause in itertools.islice(causes, MAX_ERRORS)]

    def convert(self, node: dict) -> dict:
        """Return the draft 7 equivalent of one OpenAPI schema node (refs stay refs)."""
        if "$ref" in node:
            # OpenAPI 3.0 ignores siblings of $ref, draft 7 does too.
            out = {"$ref": self._ref_uri(node["$ref"])}
        else:
            out = self._convert_keywords(node)
        return _allow_null(out) if node.get("nullable") else out

    def _convert_keywords(self, node: dict) -> dict:
        """Translate the keywords of a non-$ref node, recursing into subschemas."""
        out = {key: value for key, value in node.items() if key in _PASSTHROUGH}
        if "properties" in node:
            out["properties"] = {name: self.convert(s) for name, s in node["properties"].items()}
        if isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = self.convert(node["additionalProperties"])
        elif "additionalProperties" in node:
            out["additionalProperties"] = node["additionalProperties"]
        elif "properties" in node:
            # Strict: the listed properties are all there may be (Stripe refuses unknown params at any
            # depth, and an undeclared field in a payload is a fake's bug).
            out["additionalProperties"] = False
        if "items" in node:
            out["items"] = self.convert(node["items"])
        if "not" in node:
            out["not"] = self.convert(node["not"])
        for key in _COMBINATORS:
            if key in node:
                out[key] = [self.convert(s) for s in node[key]]
        _convert_exclusive_bounds(node, out)
        return _relax_for_form(out) if self._form_lax else out

    def _ref_uri(self, ref: str) -> str:
        """Map an in-document component ref onto this converter's registry URI."""
        if not ref.startswith(_COMPONENT_REF):
            raise ValueError(f"unsupported $ref {ref!r}")
        return self.uri(ref[len(_COMPONENT_REF):])

    def _retrieve(self, uri: str) -> Resource:
        """Convert a component on first use; later registries get it without retrieval."""
        if uri not in self._resources:
            name = uri[len(self._prefix):]
            if not uri.startswith(self._prefix) or name not in self.components:
                raise NoSuchResource(ref=uri)
            self._resources[uri] = DRAFT7.create_resource(self.convert(self.components[name]))
            # Validators in flight keep their own registry; new ones start from this one.
            self._registry = self._registry.with_resource(uri, self._resources[uri])
        return self._resources[uri]


def _allow_null(schema: dict) -> dict:
    """Return `schema` widened to also accept null (OpenAPI's `nullable: true`)."""
    if set(schema) == {"anyOf"}:
        return {"anyOf": [*schema["anyOf"], _NULL]}
    if not schema.keys() & {"type", "enum"} or schema.keys() & {"$ref", "oneOf", "allOf", "not"}:
        return {"anyOf": [schema, _NULL]} if schema else schema
    out = dict(schema)
    if "type" in out:
        out["type"] = [*_as_list(out["type"]), "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def _relax_for_form(schema: dict) -> dict:
    """Return `schema` also accepting the string spelling of form-encoded scalars."""
    kind = schema.get("type")
    if kind in _FORM_SCALAR_PATTERNS and "pattern" not in schema:
        out = {**schema, "type": [kind, "string"], "pattern": _FORM_SCALAR_PATTERNS[kind]}
        if "enum" in schema:
            out["enum"] = [*schema["enum"], *(_form_spelling(v) for v in schema["enum"])]
        return out
    if kind == "string" and "enum" not in schema:
        # Numbers for string fields (e.g. metadata values) are sent as their decimal text.
        return {**schema, "type": ["string", "integer", "number"]}
    return schema


def _form_spelling(value: Any) -> str:
    """Return how form encoding spells a scalar."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _convert_exclusive_bounds(node: dict, out: dict) -> None:
    """Turn OpenAPI 3.0 boolean exclusiveMinimum/Maximum into draft 7 numeric bounds."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(exclusive) is True and bound in out:
            out[exclusive] = out.pop(bound)


def _as_list(value: str | list) -> list:
    """Return a JSON Schema `type` value as a list."""
    return list(value) if isinstance(value, list) else [value]


def _drop_none(value: Any) -> Any:
    """Remove None-valued keys, which Stripe clients leave out of the form body."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _causes(error: ValidationError) -> list[ValidationError]:
    """Return the errors explaining `error`, descending into the anyOf branch the value fits."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    candidates = sorted((errs for errs in branches.values() if _type_fits(errs)), key=_branch_rank)
    # Without a single best branch (e.g. 5 for [string, object]) the generic message is most honest.
    if not candidates or (
        len(candidates) > 1 and _branch_rank(candidates[0]) == _branch_rank(candidates[1])
    ):
        return [error]
    return [cause for sub in candidates[0] for cause in _causes(sub)]


def _type_fits(branch_errors: list[ValidationError]) -> bool:
    """Return whether a branch failed on details rather than on the value's type itself."""
    return not any(e.validator == "type" and not e.relative_path for e in branch_errors)


def _branch_rank(branch_errors: list[ValidationError]) -> tuple[int, int]:
    """Rank branches: the value got deepest into the best one, with the fewest errors."""
    return (-max(len(e.relative_path) for e in branch_errors), len(branch_errors))


def _format_error(error: ValidationError) -> str:
    """Return '<json path>: <message>', shortening messages that embed large values."""
    message = error.message
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 3] + "..."
    return f"{json_path(error.absolute_path)}: {message}"


def json_path(parts: Iterable[str | int]) -> str:
    """Return a path like `lines.data[0].pricing`, or `<root>` for the top level."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<root>"
