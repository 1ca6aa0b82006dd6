"""World files: an in-process story saved with its engine's whole state, resumed by a later `fire --world`."""

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from .backends import InProcess
from .casts import Cast, PricedProduct
from .errors import InvalidOption
from .stories import Story

FORMAT = "simplex-story/1"


def to_json(story: Story) -> str:
    """A world file: the cast and the engine's whole state."""
    if not isinstance(story.backend, InProcess):
        raise InvalidOption("--world saves an in-process story; a running fake Stripe keeps its own state")
    return json.dumps({"format": FORMAT, "cast": asdict(story.cast), "engine": story.backend.save()})


def from_json(text: str) -> Story:
    """Resume a story saved by `to_json`."""
    raw = json.loads(text)
    if raw.get("format") != FORMAT:
        raise ValueError(f"format {raw.get('format')!r} is not {FORMAT}")
    cast = raw["cast"]
    cast = Cast(**{**cast, "plan": PricedProduct(**cast["plan"]),
                   "new_plan": PricedProduct(**cast["new_plan"])})
    return Story(cast, InProcess(seed=cast.seed, start=cast.start, saved=raw["engine"]))


def load_story(path: str | os.PathLike) -> Story | None:
    """Read a saved story, or None when the file does not exist yet."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        return from_json(p.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidOption(f"--world {p}: not a simulator world file ({exc})") from exc


def save_story(story: Story, path: str | os.PathLike) -> None:
    """Write the world file atomically, so an interrupted run never leaves half a file."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(to_json(story))
    os.replace(tmp, p)
