"""`/v1/events`: retrieve, list by type and time, and resend (`POST /v1/events/{id}/retry`)."""

from ..engine.events import resend, stored_event
from .context import Call
from .lists import page
from .validation import EXPAND, TEXT


def retrieve_event(call: Call) -> dict:
    """GET /v1/events/{id}: the stored event, whatever version the caller asks in."""
    return stored_event(call.state, call.state.store.require("event", call.args["id"]))


def list_events(call: Call) -> dict:
    """GET /v1/events: newest first, by `type` (with `*` wildcards), `types[]` and `created`."""
    p = call.params
    wanted = [p["type"]] if p.get("type") else p.get("types") or []
    delivered = p.get("delivery_success")

    def accept(event: dict) -> bool:
        if wanted and not any(_type_matches(pattern, event["type"]) for pattern in wanted):
            return False
        return delivered is None or (not event["undelivered"]) == delivered

    return page(call, "event", "/v1/events", p, accept=accept)


# Not in Stripe's spec: its parameters as the CLI sends them (anything else accepted and ignored, as before).
RETRY = {"type": "object", "properties": {"webhook_endpoint": TEXT, "expand": EXPAND},
         "additionalProperties": {}}


def retry_event(call: Call) -> dict:
    """POST /v1/events/{id}/retry (what Stripe CLI's `events resend` calls): deliver a stored event again, signed
    anew, to `webhook_endpoint` or to every enabled endpoint subscribed to its type."""
    state = call.state
    p = call.parse(schema=RETRY)
    record = state.store.require("event", call.args["id"])
    resend(state, record, p.get("webhook_endpoint"))
    return stored_event(state, record)


def _type_matches(pattern: str, type: str) -> bool:
    return type.startswith(pattern[:-1]) if pattern.endswith("*") else type == pattern


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/<id>", retrieve_event),
    ("POST", "/v1/events/<id>/retry", retry_event),
]
