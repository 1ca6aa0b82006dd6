"""Hand-written parameter specs for what the schema does not say (minimums, metadata rules, unset semantics).

The schema derived from Stripe's spec (validation.py) refuses unknown parameters, wrong types and enum values
before a handler runs; the specs here type a POST body for its handler and add Stripe's rules the spec leaves
out (non-negative amounts, metadata key limits). A spec lists only what its handler reads: a real parameter it
leaves out is dropped here, not refused. Lists and retrieves read `call.params` instead.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidParameter, MissingParameter
from .forms import param_path


def _empty_error(path: str) -> InvalidParameter:
    return InvalidParameter(
        f"You passed an empty string for '{path}'. We assume empty values are an attempt to unset a parameter; "
        f"however '{path}' cannot be unset. You should remove '{path}' from your request or supply a non-empty "
        "value.", path, code="parameter_invalid_empty")


class Spec:
    """One parameter's type; `coerce` turns the decoded form value into Python or raises."""

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def coerce(self, value: Any, path: str) -> Any:
        """Check and convert `value`; the empty string unsets nullable parameters."""
        if value == "":
            if self.nullable:
                return None
            raise _empty_error(path)
        return self.convert(value, path)

    def convert(self, value: Any, path: str) -> Any:
        """Convert a non-empty value."""
        raise NotImplementedError


class Str(Spec):
    """A string, optionally bounded."""

    def __init__(self, max_length: int | None = None, *, nullable: bool = True) -> None:
        super().__init__(nullable=nullable)
        self.max_length = max_length

    def convert(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise InvalidParameter(f"Invalid string: {_show(value)}", path)
        if self.max_length is not None and len(value) > self.max_length:
            raise InvalidParameter(f"Invalid string: {value[:20]}...; must be at most {self.max_length} characters",
                                   path)
        return value


class Int(Spec):
    """An integer, optionally with a lower bound."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None, *, nullable: bool = False) -> None:
        super().__init__(nullable=nullable)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, value: Any, path: str) -> int:
        try:
            number = int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None
        except ValueError:
            number = None
        if number is None:
            raise InvalidParameter(f"Invalid integer: {_show(value)}", path, code="parameter_invalid_integer")
        if self.minimum == 0 and number < 0:
            raise InvalidParameter("Invalid non-negative integer", path, code="parameter_invalid_integer")
        if self.minimum is not None and number < self.minimum:
            raise InvalidParameter(f"Invalid integer: {number}; must be at least {self.minimum}", path,
                                   code="parameter_invalid_integer")
        if self.maximum is not None and number > self.maximum:
            raise InvalidParameter(f"This value must be less than or equal to {self.maximum} "
                                   f"(it currently is '{number}').", path)
        return number


class Num(Spec):
    """A decimal number such as a tax percentage."""

    def convert(self, value: Any, path: str) -> float:
        try:
            number = Decimal(value) if isinstance(value, str) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise InvalidParameter(f"Invalid decimal: {_show(value)}", path)
        return float(number)


class Bool(Spec):
    """`true` or `false`."""

    def convert(self, value: Any, path: str) -> bool:
        if value in ("true", "false"):
            return value == "true"
        raise InvalidParameter(f"Invalid boolean: {_show(value)}", path)


class Enum(Spec):
    """One of a fixed set of strings."""

    def __init__(self, *values: str, nullable: bool = False) -> None:
        super().__init__(nullable=nullable)
        self.values = values

    def convert(self, value: Any, path: str) -> str:
        if value not in self.values:
            listed = ", ".join(self.values[:-1]) + f", or {self.values[-1]}" if len(self.values) > 1 else self.values[0]
            raise InvalidParameter(f"Invalid {path}: must be one of {listed}", path)
        return value


class Hash(Spec):
    """A nested hash with known fields (and required ones), or open keys of one type (`extra`)."""

    def __init__(self, fields: dict[str, Spec] | None = None, *, required: tuple[str, ...] = (),
                 extra: Spec | None = None, nullable: bool = False) -> None:
        super().__init__(nullable=nullable)
        self.fields, self.required, self.extra = fields or {}, required, extra

    def convert(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise InvalidParameter("Invalid hash", path or "<root>")
        out = {}
        for key, raw in value.items():
            spec = self.fields.get(key, self.extra)
            if spec is None:
                # The schema (validation.py) has already refused what Stripe does not take; what is left is
                # a real parameter this endpoint does not model, accepted and ignored.
                continue
            out[key] = spec.coerce(raw, param_path(path, key))
        for key in self.required:
            if key not in value:
                raise MissingParameter(param_path(path, key))
        return out


class Array(Spec):
    """A list: `a[0]=…&a[1]=…` or `a[]=…`; the empty string clears it."""

    def __init__(self, item: Spec, *, max_items: int | None = None) -> None:
        super().__init__(nullable=True)
        self.item, self.max_items = item, max_items

    def coerce(self, value: Any, path: str) -> list | None:
        return [] if value == "" else self.convert(value, path)

    def convert(self, value: Any, path: str) -> list:
        if not isinstance(value, dict) or not all(k.isdigit() for k in value):
            raise InvalidParameter("Invalid array", path)
        items = [value[k] for k in sorted(value, key=int)]
        if self.max_items is not None and len(items) > self.max_items:
            raise InvalidParameter(f"Invalid array: {path} must have at most {self.max_items} items", path)
        return [self.item.coerce(item, f"{path}[{index}]") for index, item in enumerate(items)]


class Metadata(Hash):
    """Stripe metadata: string values; `metadata=` clears it and `metadata[k]=` removes one key."""

    def __init__(self) -> None:
        super().__init__(extra=Str(500), nullable=True)

    def convert(self, value: Any, path: str) -> dict:
        out = super().convert(value, path)
        for key in out:
            if len(key) > 40 or "[" in key or "]" in key:
                raise InvalidParameter(f"Invalid metadata key {key!r}: keys must be at most 40 characters and "
                                       "must not contain square brackets", f"{path}[{key}]")
        return out


EXPAND = Array(Str(nullable=False))
def parse(params: dict, fields: dict[str, Spec], required: tuple[str, ...] = ()) -> dict:
    """Validate an endpoint's parameters; every endpoint also takes `expand`."""
    return Hash({"expand": EXPAND, **fields}, required=required).convert(params, "")


def merge_metadata(current: dict, update: dict | None) -> dict:
    """Stripe's metadata update: keys are merged, an empty value removes a key, `metadata=` clears all."""
    if update is None:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _show(value: Any) -> str:
    return value if isinstance(value, str) else "(hash)" if isinstance(value, dict) else repr(value)


class Anything(Spec):
    """A real Stripe parameter the fake accepts without modelling it (so clients that send it still work)."""

    def __init__(self) -> None:
        super().__init__(nullable=True)

    def convert(self, value: Any, path: str) -> Any:
        return value


ADDRESS = Hash({k: Str() for k in ("city", "country", "line1", "line2", "postal_code", "state")}, nullable=True)
