"""The cassette: a story's API requests, responses and events, in order, as JSON with secrets scrubbed."""

import json
import re
from pathlib import Path
from typing import Any

from simulator.story_names import ALIASES

from .errors import CassetteError

FORMAT = "simplex-stripe-cassette"
VERSION = 1
SCRUBBED = "<scrubbed>"
# Anything that looks like an API key or a webhook signing secret, wherever it appears.
SECRET = re.compile(r"\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9_]+|\bwhsec_[A-Za-z0-9_]+")
SECRET_KEYS = {"secret", "client_secret", "api_key"}


def new(*, api_base: str, api_version: str, sdk: str, recorded_at: str) -> dict:
    """An empty cassette."""
    return {"format": FORMAT, "version": VERSION, "recorded_at": recorded_at, "api_base": api_base,
            "api_version": api_version, "sdk": sdk, "stories": []}


def scrub(value: Any, key: str | None = None) -> Any:
    """A copy of `value` with every key, secret and client secret replaced by <scrubbed>."""
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if isinstance(value, str):
        if key in SECRET_KEYS and value:
            return SCRUBBED
        return SECRET.sub(SCRUBBED, value)
    return value


def dumps(cassette: dict) -> str:
    """The cassette as written to disk (scrubbed, one key per line for readable diffs)."""
    return json.dumps(scrub(cassette), indent=1, sort_keys=False) + "\n"


def save(cassette: dict, path: str | Path) -> None:
    """Write a cassette (scrubbed) to `path`."""
    Path(path).write_text(dumps(cassette), encoding="utf-8")


def load(path: str | Path) -> dict:
    """Read and check a cassette file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CassetteError(f"{path}: no such cassette") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CassetteError(f"{path}: not a JSON cassette ({exc})") from None
    return check(data, str(path))


def check(data: Any, name: str = "cassette") -> dict:
    """`data` if it is a cassette of a version this code reads, else CassetteError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CassetteError(f"{name}: not a simplex-stripe cassette (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise CassetteError(f"{name}: cassette version {data.get('version')!r}; this simplex-stripe reads {VERSION}")
    stories = data.get("stories")
    if not isinstance(stories, list) or not all(isinstance(s, dict) and isinstance(s.get("steps"), list)
                                                for s in stories):
        raise CassetteError(f"{name}: \"stories\" must be a list of stories with steps")
    return data


def same_story(a: str | None, b: str | None) -> bool:
    """Whether two story names are one story (a cassette recorded before a rename keeps the old name)."""
    return ALIASES.get(a, a) == ALIASES.get(b, b)


def story(cassette: dict, name: str) -> dict:
    """One story of a cassette by its name or an alias."""
    for item in cassette["stories"]:
        if same_story(item.get("name"), name):
            return item
    raise CassetteError(f"no story {name!r} in the cassette (it has: {', '.join(names(cassette))})")


def names(cassette: dict) -> list[str]:
    """The cassette's story names, in order."""
    return [item["name"] for item in cassette["stories"]]


def events(cassette: dict) -> list[dict]:
    """Every recorded event of every story, in order."""
    return [event for item in cassette["stories"] for step in item["steps"] for event in step["events"]]
