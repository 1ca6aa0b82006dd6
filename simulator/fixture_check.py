"""Run one Stripe CLI fixture file against a fresh fake Stripe and check what it made.

A file passes when it runs to the end, the fake made the event it is named for, every event and every
response is valid against the packaged spec (strict), and every delivery to an endpoint subscribed to `*`
verifies with the official SDK. Used by the tests over the project's trigger fixtures and by
`scripts/measure_cli_fixtures.py` over Stripe CLI's own.
"""

from dataclasses import dataclass, field
from typing import Mapping

from . import spec
from .errors import SimulatorError
from .fake_stripe import FakeStripe
from .fixture_send import client_for, sdk_send
from .fixtures import ApiError, Request, load, run
from .delivery.receiver import VerifyingReceiver, serving

KEY = "sk_test_simplex_fixture_check"
DELIVERY_WAIT = 20.0  # seconds every queued delivery gets


@dataclass
class Checked:
    """What one fixture file did on a fresh fake."""

    event_type: str | None
    problem: str | None = None
    events: list[str] = field(default_factory=list)
    deliveries: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file ran, made its event and every check held."""
        return self.problem is None


def check(text: str, event_type: str | None, environ: Mapping[str, str] | None = None, source: str = "fixture",
          clock=None, api_version: str | None = None) -> Checked:
    """Run `text` (Stripe CLI's fixture format) on a new fake; `event_type` is the event it must make. With
    `api_version`, the account's default version is that one (Stripe CLI sends none, so an account's default
    applies), the requests go in it and everything is validated as the version table says objects were then."""
    fake = FakeStripe(seed="empty", clock=clock)
    if api_version is not None:
        fake.sandbox(KEY).state.default_version = api_version
    receiver = VerifyingReceiver([])
    with fake.serving() as base, serving(receiver) as hook:
        client = client_for(KEY, base)
        endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": ["*"]})
        receiver.secrets.append(endpoint.secret)
        problems: list[str] = []
        send = _validating(sdk_send(KEY, base, api_version=api_version), problems, api_version)
        result = Checked(event_type)
        try:
            run(load(text, source).fixtures, send, dict(environ or {}))
        except ApiError as exc:
            result.problem = f"{exc.fixture}: {exc.request} answered {exc.status} {exc.error_type}: {exc}"
        except SimulatorError as exc:
            result.problem = str(exc)
        events = [e.to_dict() for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]
        result.events = [e["type"] for e in events]
        if not fake.wait_for_deliveries(DELIVERY_WAIT):
            problems.append("deliveries still queued after the wait")
    problems += [f"event {e['type']}: {error}" for e in events
                 for error in spec.validate_object("event", e, api_version)[:1]]
    result.deliveries = len(receiver.received)
    unverified = [r for r in receiver.received if not r.verified]
    if unverified:
        problems.append(f"{len(unverified)} deliveries did not verify: {unverified[0].error}")
    if sorted(r.event_id for r in receiver.received) != sorted(e["id"] for e in events):
        problems.append(f"{len(events)} events but {len(receiver.received)} deliveries")
    if result.problem is None and event_type and event_type not in result.events:
        result.problem = f"no {event_type} event (made: {', '.join(sorted(set(result.events))) or 'none'})"
    if result.problem is None and problems:
        result.problem = problems[0]
    return result


def _validating(send, problems: list[str], version: str | None):
    """`send`, checking each answer of a documented operation against the packaged spec (strict) at `version`."""
    def validated(request: Request) -> dict:
        answer = send(request)
        kind = answer.get("object") if isinstance(answer, dict) else None
        kind = f"deleted_{kind}" if kind and answer.get("deleted") is True else kind
        if kind and kind != "list" and kind in spec.load_schema()["components"]["schemas"]:
            problems.extend(f"{request.method.upper()} {request.path}: {error}"
                            for error in spec.validate_object(kind, answer, version)[:1])
        return answer
    return validated
