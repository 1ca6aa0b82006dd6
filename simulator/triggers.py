"""Triggers: one event type and the events Stripe sends with it, from a script of Stripe API actions.

As in Stripe CLI, each trigger is a fixture file (`trigger_fixtures/<event type>.json`, Stripe CLI's format)
whose requests cause the event; `--override`/`--add`/`--remove` edit those requests. The requests run on a
story backend — the fake's engine in-process, or a running fake Stripe — so the engine alone decides which
objects and events they make. Steps under `/_sim/…` are the fake's helpers for Stripe's side (paying on the
hosted page, time passing).

A story name (`first-purchase`, `renewal`, …) triggers that story instead: its in-process script, after the
stories it needs, told on the same backend.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .backends import ActionFailed, Backend
from .errors import InvalidOption
from .fixtures import ApiError, Edit, Send, Step, apply_edits, parse, run
from .stories import Story, get_sequence, new_cast
from .story_names import NAMES
from .versions import CURRENT

FIXTURES = Path(__file__).with_name("trigger_fixtures")
_SIM = (
    (re.compile(r"^/_sim/checkout/sessions/([^/]+)/complete$"),
     lambda backend, match, p: backend.complete_session(match.group(1), card=str(p.get("card") or "4242424242424242"),
                                                        method=str(p.get("method") or "card"))),
    (re.compile(r"^/_sim/customers/([^/]+)/card$"),
     lambda backend, match, p: backend.set_card(match.group(1), str(p["card"]))),
    (re.compile(r"^/_sim/clock/advance$"),
     lambda backend, match, p: {"object": "sim.clock", "now": backend.advance(
         int(p["to"]) if "to" in p else backend.now() + int(p.get("seconds", 0)))}),
)


def trigger_names() -> list[str]:
    """Every event type a trigger exists for, sorted."""
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def trigger_text(event_type: str) -> str:
    """The fixture file of one trigger; InvalidOption names the supported ones."""
    path = FIXTURES / f"{event_type}.json"
    if not path.is_file():
        raise InvalidOption(f"no trigger for {event_type!r}; supported: {', '.join(trigger_names())}; "
                            f"or a story: {', '.join(NAMES)}")
    return path.read_text(encoding="utf-8")


def backend_send(backend: Backend) -> Send:
    """A fixture runner's `send` on a story backend: API requests as they are, `/_sim/…` to its helpers."""
    def send(method: str, path: str, params: dict) -> dict:
        try:
            for pattern, helper in _SIM:
                match = pattern.match(path)
                if match:
                    return helper(backend, match, params)
            if path.startswith("/_sim/"):
                raise InvalidOption(f"{path} is not a helper a trigger can use")
            return backend.request(method.upper(), path, params)
        except ActionFailed as exc:
            raise ApiError("invalid_request_error", str(exc)) from None
    return send


@dataclass
class Triggered:
    """What a trigger did: its steps, and every event the engine made, oldest first."""

    event_type: str  # or the story's name
    steps: list[Step]
    events: list[dict]
    story: bool = False

    @property
    def fired(self) -> bool:
        """Whether the engine made an event of the triggered type (for a story: any event)."""
        return bool(self.events) if self.story else any(e["type"] == self.event_type for e in self.events)


def trigger(backend: Backend, event_type: str, edits: list[Edit], environ: Mapping[str, str],
            version: str = CURRENT) -> Triggered:
    """Run one trigger's requests on `backend`; the events are rendered in `version`."""
    fixtures = apply_edits(parse(trigger_text(event_type), f"trigger {event_type}"), edits)
    backend.only_shape(version)
    mark = backend.mark()
    steps: list[Step] = []
    run(fixtures, backend_send(backend), environ, on_step=steps.append)
    return Triggered(event_type, steps, backend.events_since(mark, version))


def tell(backend: Backend, name: str, environ: Mapping[str, str], version: str = CURRENT, *,
         seed: str) -> Triggered:
    """Tell the story `name` (or an alias) on `backend`, after the stories it needs; its events in `version`."""
    sequence = get_sequence(name)
    cast = new_cast(seed=seed, start=backend.now(), account=environ.get("ACCOUNT_REF") or "acct-demo",
                    email=environ.get("ACCOUNT_EMAIL") or "jane@example.com")
    events = Story(cast, backend).run([*sequence.needs, sequence.name], version)
    return Triggered(sequence.name, [], events, story=True)
