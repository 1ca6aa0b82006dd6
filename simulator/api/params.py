"""Stripe's parameter rules that its spec leaves out (minimums, metadata keys), on values the schema has typed.

validation.py checks every request against the schema derived from Stripe's spec and types its values
before a handler runs. A handler then names only what the spec states in prose, if at all: that an
amount is non-negative, that a count is at least one. Metadata keys are checked wherever metadata appears.
"""

from typing import Any, Callable, Iterator

from ..engine.errors import InvalidParameter

Check = Callable[[Any, str], None]  # (typed value, its parameter path) -> None, or Stripe's InvalidParameter
METADATA_KEY_LENGTH = 40


def at_least(minimum: int) -> Check:
    """An integer parameter's lower bound, worded as Stripe words it."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, int) or value >= minimum:
            return
        if minimum == 0:
            raise InvalidParameter("Invalid non-negative integer", path, code="parameter_invalid_integer")
        raise InvalidParameter(f"Invalid integer: {value}; must be at least {minimum}", path,
                               code="parameter_invalid_integer")
    return check


def one_of(*values: str) -> Check:
    """A parameter whose other values Stripe takes but the fake does not simulate: refused, not ignored."""
    def check(value: Any, path: str) -> None:
        if value is not None and value not in values:
            listed = ", ".join(values[:-1]) + f", or {values[-1]}" if len(values) > 1 else values[0]
            raise InvalidParameter(f"Invalid {path}: must be one of {listed}", path)
    return check


def longest(characters: int) -> Check:
    """A string's length limit that Stripe enforces but its spec does not state."""
    def check(value: Any, path: str) -> None:
        if isinstance(value, str) and len(value) > characters:
            raise InvalidParameter(f"Invalid string: {value[:20]}...; must be at most {characters} characters", path)
    return check


NON_NEGATIVE = at_least(0)
POSITIVE = at_least(1)


def checked(params: dict, checks: dict[str, Check] | None = None) -> dict:
    """`params` after each check has passed on the values its dotted path names ("*": every item or key)."""
    for pattern, check in (checks or {}).items():
        for path, value in _matching(params, pattern.split("."), ""):
            check(value, path)
    _check_metadata_keys(params, "")
    return params


def _children(value: Any, path: str) -> Iterator[tuple[Any, Any, str]]:
    """(key or index, child, the child's parameter path) of a hash or list; nothing for a scalar."""
    items = enumerate(value) if isinstance(value, list) else value.items() if isinstance(value, dict) else ()
    for key, child in items:
        yield key, child, f"{path}[{key}]" if path else str(key)


def _matching(value: Any, steps: list[str], path: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield path, value
        return
    for key, child, child_path in _children(value, path):
        if steps[0] == "*" or str(key) == steps[0]:
            yield from _matching(child, steps[1:], child_path)


def _check_metadata_keys(value: Any, path: str) -> None:
    """Stripe's metadata keys: at most 40 characters, no square brackets (its spec says neither)."""
    for key, child, child_path in _children(value, path):
        if key == "metadata" and isinstance(child, dict):
            for name in child:
                if len(name) > METADATA_KEY_LENGTH or "[" in name or "]" in name:
                    raise InvalidParameter(f"Invalid metadata key {name!r}: keys must be at most "
                                           f"{METADATA_KEY_LENGTH} characters and must not contain square brackets",
                                           f"{child_path}[{name}]")
        else:
            _check_metadata_keys(child, child_path)
