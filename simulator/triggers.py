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
from .fixtures import ApiError, Edit, Request, Send, Step, apply_edits, check_skips, parse, run
from .casts import new_cast
from .stories import Story, get_sequence
from .story_names import NAMES
from .trigger_names import ALIASES, CLI_EVENTS, OUTSIDE, OWN_EVENTS, event_of, family
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
    """Every name a trigger runs for (the project's fixture files and Stripe CLI's aliases of them), sorted."""
    own = {path.stem for path in FIXTURES.glob("*.json")}
    return sorted(own | {alias for alias, name in ALIASES.items() if name in own})


@dataclass(frozen=True)
class Plan:
    """What a trigger runs: a fixture file's text, where it came from, and the event it must make (None: any)."""

    event_type: str | None
    text: str
    source: str


def plan_for(event: str) -> Plan:
    """The fixture a trigger NAME (or a fixture file's path) runs; InvalidOption, in one line, when there is none."""
    if event in CLI_EVENTS or event in ALIASES or event in OWN_EVENTS:
        path = FIXTURES / f"{ALIASES.get(event, event)}.json"
        if path.is_file():
            return Plan(event_of(event), path.read_text(encoding="utf-8"), f"trigger {event}")
        kind = family(event)
        if kind in OUTSIDE:
            raise InvalidOption(f"{event} is a Stripe CLI trigger of {kind}, which the fake Stripe does not simulate "
                                "(it simulates Billing and Payments)")
        raise InvalidOption(f"{event} is a Stripe CLI trigger of {kind}, which the fake Stripe does not simulate "
                            "yet; `simplex-stripe trigger --list` names the ones it runs")
    path = Path(event)
    if path.suffix == ".json" and path.is_file():
        stem = path.stem
        named = event_of(stem) if stem in CLI_EVENTS or stem in ALIASES or stem in OWN_EVENTS else None
        return Plan(named, path.read_text(encoding="utf-8"), str(path))
    raise InvalidOption(f"the event {event!r} is not one Stripe CLI triggers, nor a fixture file, nor a story "
                        f"({', '.join(NAMES)}); `simplex-stripe trigger --list` names the events the fake runs")


def trigger_text(event_type: str) -> str:
    """The fixture file of one trigger; InvalidOption names why there is none."""
    return plan_for(event_type).text


def backend_send(backend: Backend, api: Send | None = None) -> Send:
    """A fixture runner's `send` on a story backend: `/_sim/…` to its helpers, API requests through `api` when
    given (e.g. the SDK with a Stripe-Account), else the backend's own."""
    def send(request: Request) -> dict:
        try:
            for pattern, helper in _SIM:
                match = pattern.match(request.path)
                if match:
                    return helper(backend, match, request.params)
            if request.path.startswith("/_sim/"):
                raise InvalidOption(f"{request.path} is not a helper a trigger can use")
            if api is not None:
                return api(request)
            if request.api_base or request.headers:
                raise InvalidOption("a fixture's own api_base or headers need a running fake (--api-base)")
            return backend.request(request.method.upper(), request.path, request.params)
        except ActionFailed as exc:
            raise ApiError(exc.error_type, str(exc), body=exc.body) from None
    return send


@dataclass
class Triggered:
    """What a trigger did: its steps, and the events its requests caused, oldest first."""

    event_type: str | None  # or the story's name
    steps: list[Step]
    events: list[dict]
    story: bool = False

    @property
    def fired(self) -> bool:
        """Whether the engine made an event of the triggered type (any event, for a story or a file named after
        no event)."""
        if self.story or self.event_type is None:
            return bool(self.events)
        return any(e["type"] == self.event_type for e in self.events)


def trigger(backend: Backend, plan: Plan, edits: list[Edit], environ: Mapping[str, str], version: str = CURRENT,
            skip: tuple[str, ...] = (), api: Send | None = None) -> Triggered:
    """Run one trigger's requests on `backend`; the events its requests caused, rendered in `version`."""
    fixtures = apply_edits(parse(plan.text, plan.source), edits)
    check_skips(fixtures, list(skip))
    backend.only_shape(version)
    mark = backend.mark()
    steps: list[Step] = []
    run(fixtures, backend_send(backend, api), environ, on_step=steps.append, skip=skip)
    return Triggered(plan.event_type, steps, own_events(steps, backend.events_since(mark, version)))


def own_events(steps: list[Step], events: list[dict]) -> list[dict]:
    """The events about objects the steps' responses name, about objects naming those, and about objects made
    meanwhile that those name (transitively), and the account's (the balance): on a shared fake, others' events
    about their own objects are not ours."""
    named = set().union(*(_strings(step.response) for step in steps if step.response))
    objects = [e["data"]["object"] for e in events]
    made = {obj.get("id") for e, obj in zip(events, objects) if e["type"].endswith(".created")}
    ours = {obj.get("id") for obj in objects if obj.get("id") in named}
    grew = True
    while grew:
        grew = False
        for obj in objects:
            if obj.get("id") in ours:
                found = _strings(obj) & made - ours
            else:
                found = {obj.get("id")} if _strings(obj) & ours else set()
            ours |= found
            grew = grew or bool(found)
    # An object without an id (the balance) is the account's own, not another client's.
    return [e for e, obj in zip(events, objects) if obj.get("id") in ours or "id" not in obj]


def _strings(value, depth: int = 0) -> set[str]:
    """Every string within a few levels of a rendered object (ids among them)."""
    if isinstance(value, str):
        return {value}
    if depth > 5:
        return set()
    if isinstance(value, dict):
        return set().union(*(_strings(v, depth + 1) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(v, depth + 1) for v in value[:50]))
    return set()


def tell(backend: Backend, name: str, environ: Mapping[str, str], version: str = CURRENT, *,
         seed: str) -> Triggered:
    """Tell the story `name` (or an alias) on `backend`, after the stories it needs; its events in `version`."""
    sequence = get_sequence(name)
    cast = new_cast(seed=seed, start=backend.now(), account=environ.get("ACCOUNT_REF") or "acct-demo",
                    email=environ.get("ACCOUNT_EMAIL") or "jane@example.com")
    events = Story(cast, backend).run([*sequence.needs, sequence.name], version)
    return Triggered(sequence.name, [], events, story=True)
