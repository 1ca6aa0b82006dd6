"""Tests validate against the schema shipped in the package (simulator/spec), never against an outside copy."""

from simulator.spec import load_schema, validator
from simulator.spec.strict import SpecValidator, json_path

__all__ = ["SpecValidator", "json_path", "load_spec", "require_spec"]


def load_spec() -> dict:
    """The derived schema (OpenAPI layout)."""
    return load_schema()


def require_spec() -> SpecValidator:
    """The shared strict validator; the schema ships in the package, so nothing ever skips for want of it."""
    return validator()
