"""The schema derived from Stripe's OpenAPI spec, shipped in the package, and strict validation against it.

    from simulator.spec import load_schema, validate_object, validate_response
    validate_object("invoice", invoice)          # [] or ['lines.data[0].pricing: ... ', ...]

`stripe-schema.json.gz` holds the spec's paths, operations, parameters, request and response schemas,
enums and expansion facts (no prose); `VERSION` names the spec release it came from and `NOTICE` carries
Stripe's licence. `scripts/derive_spec.py` regenerates them from a full spec at development time.
"""

import functools
import gzip
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "stripe-schema.json.gz"


@functools.lru_cache(maxsize=1)
def load_schema() -> dict:
    """The derived schema (OpenAPI 3.0 layout: `paths`, `components.schemas`, `info.version`), parsed once."""
    data = resources.files(__name__).joinpath(SCHEMA_FILE).read_bytes()
    return json.loads(gzip.decompress(data))


def spec_version() -> str:
    """The Stripe spec release the schema was derived from (e.g. `2026-08-26.dahlia`)."""
    return load_schema()["info"]["version"]


@functools.lru_cache(maxsize=1)
def validator():
    """The shared strict SpecValidator over the derived schema (unknown fields fail)."""
    from .strict import SpecValidator
    return SpecValidator(load_schema())


def validate_object(name: str, obj: Any, version: str | None = None) -> list[str]:
    """Errors of `obj` against the component schema `name` (`invoice`, `event`, `checkout.session`…); [] if valid.
    With `version`, the schema as the version table says objects were at that API version."""
    return (versioned_validator(version) if version else validator()).validate_object(obj, name)


def versioned_validator(version: str):
    """A strict SpecValidator over the schema with `version`'s differences (versions.shape_differences) applied."""
    from ..versions import shape_differences
    return _validator_for(shape_differences(version))


@functools.lru_cache(maxsize=8)  # keyed by the differences: the many versions share a few shapes
def _validator_for(differences: tuple):
    """A strict SpecValidator over the schema with these differences applied."""
    from .strict import SpecValidator
    absent, extra, values = differences
    if not (absent or extra or values):
        return validator()
    schema = dict(load_schema())
    components = dict(schema["components"]["schemas"])
    schema["components"] = {**schema["components"], "schemas": components}
    def edit(kind: str) -> dict:
        node = components[kind] = dict(components[kind])
        node["properties"] = dict(node.get("properties", {}))
        return node
    for kind, field in absent:
        if kind in components:
            node = edit(kind)
            node["required"] = [name for name in node.get("required", ()) if name != field]
            node["properties"].pop(field, None)  # not there yet (or any more): a field by that name is unknown
    for kind, field in extra:
        if kind in components and field not in components[kind].get("properties", {}):
            edit(kind)["properties"][field] = {}  # a field the spec no longer describes: its presence is checked
    for kind, field, value in values:
        if kind in components and field in components[kind].get("properties", {}):
            node = edit(kind)
            node["properties"][field] = {**node["properties"][field],
                                         "enum": [*node["properties"][field]["enum"], value]}
    return SpecValidator(schema)


def validate_response(obj: Any, method: str, path_template: str) -> list[str]:
    """Errors of `obj` against the 200 response schema of an operation such as `GET /v1/customers/{customer}`."""
    return validator().validate_response(obj, method, path_template)
