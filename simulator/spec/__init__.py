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
    With `version`, the fields the version table gates are judged as that version has them (versions.FIELDS)."""
    return (validator() if version is None else validator_at(version)).validate_object(obj, name)


@functools.lru_cache(maxsize=8)
def validator_at(version: str):
    """A strict validator for objects rendered at `version`: a gated field absent then is not required, one present
    then that the spec no longer lists is allowed (its old schema is not kept here, so any value passes)."""
    from ..versions import FIELDS
    from .strict import SpecValidator
    schema = json.loads(json.dumps(load_schema()))
    components = schema["components"]["schemas"]
    for component in components.values():
        kinds = (component.get("properties", {}).get("object") or {}).get("enum") or ()
        for gate in (g for g in FIELDS if g.where in kinds):
            if not gate.present(version):
                component["required"] = [n for n in component.get("required", []) if n != gate.name]
            else:
                component.setdefault("properties", {}).setdefault(gate.name, {})
    return SpecValidator(schema)


def validate_response(obj: Any, method: str, path_template: str) -> list[str]:
    """Errors of `obj` against the 200 response schema of an operation such as `GET /v1/customers/{customer}`."""
    return validator().validate_response(obj, method, path_template)
