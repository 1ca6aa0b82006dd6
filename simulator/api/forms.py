"""Decodes Stripe's form bracket syntax (`line_items[0][price]`, `expand[]`, `metadata[accountRef]`)."""

import re
from typing import Iterable

from ..engine.errors import InvalidParameter

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def split_key(key: str) -> list[str]:
    """`a[b][0][]` → ['a', 'b', '0', '']; a key with stray brackets stays whole."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    rest = "[" + rest
    parts = _SEGMENT.findall(rest)
    if "".join(f"[{p}]" for p in parts) != rest:
        return [key]
    return [head, *parts]


def decode(pairs: Iterable[tuple[str, str]]) -> dict:
    """Nest form pairs into dicts; list positions stay digit-string keys until a param spec asks for a list."""
    root: dict = {}
    for key, value in pairs:
        parts = split_key(key)
        node = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":
                # `a[]` appends: give it the next free position.
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
                break
            child = node.get(part)
            if not isinstance(child, dict):
                if isinstance(child, str) and child != "":
                    raise InvalidParameter("Invalid hash", param=_path(parts[:depth + 1]))
                child = node[part] = {}
            node = child
    return root


def _path(parts: list[str]) -> str:
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def param_path(parent: str, key: str | int) -> str:
    """The bracket path Stripe names in errors: `line_items[0][price]`."""
    return f"{parent}[{key}]" if parent else str(key)
