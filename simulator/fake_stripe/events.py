"""Events: every state change records one, renders it per API version and fans it out to endpoints."""

from ..events import make_event, previous_attributes
from .api import Call
from .errors import InvalidRequest
from .rendering import RENDERERS, SHAPES, VERSIONED, page, shape_of, snapshot
from .state import State
from .validation import EXPAND, TEXT

NO_REQUEST = (None, None)


def emit(state: State, type: str, record: dict, *, at: int, old: dict | None = None,
         origin: tuple[str | None, str | None] = NO_REQUEST) -> dict:
    """Record an event about `record` (its state before the change in `old`) and deliver it."""
    # The data of an event never changes, so it is rendered now, frozen: once per shape for versioned types
    # (an in-process story that needs one shape only asks for that one: state.event_shapes).
    if record["object"] in VERSIONED:
        shapes = {name: SHAPES[name] for name in state.event_shapes or SHAPES}
    else:
        shapes = {"*": state.default_version}
    renders = {}
    for shape, version in shapes.items():
        new = snapshot(state, record, version)
        before = snapshot(state, old, version) if old is not None else None
        renders[shape] = [new, previous_attributes(before, new) if before is not None else None]
    event = {"id": state.new_id("evt"), "object": "event", "type": type, "created": at,
             "api_version": state.default_version,
             "request": {"id": origin[0], "idempotency_key": origin[1]}, "renders": renders,
             "pending_webhooks": 0, "undelivered": []}
    state.store.add(event)
    fan_out(state, event)
    return event


def subscribed(endpoint: dict, type: str) -> bool:
    """Whether an enabled endpoint wants events of `type`."""
    events = endpoint["enabled_events"]
    return endpoint["status"] == "enabled" and ("*" in events or type in events)


def fan_out(state: State, event: dict) -> None:
    """Queue the event for every subscribed endpoint, in that endpoint's API version."""
    targets = [ep for ep in state.store.all("webhook_endpoint") if subscribed(ep, event["type"])]
    event["pending_webhooks"] = len(targets)
    event["undelivered"] = [ep["id"] for ep in targets]
    for endpoint in targets:
        version = endpoint["api_version"] or state.default_version
        if state.outbox is not None:
            state.outbox.enqueue(endpoint["id"], render_event(state, event, version))


def acknowledge(state: State, event_id: str, endpoint_id: str) -> None:
    """An endpoint answered 2xx: one fewer pending webhook."""
    with state.lock:
        event = state.store.get(event_id)
        if event is not None and endpoint_id in event["undelivered"]:
            event["undelivered"].remove(endpoint_id)
            event["pending_webhooks"] = len(event["undelivered"])


def render_event(state: State, record: dict, version: str) -> dict:
    """The event envelope with its data in `version`'s shape."""
    renders = record["renders"]
    obj, previous = renders.get(shape_of(version)) or renders["*"]
    return make_event(id=record["id"], type=record["type"], obj=obj, created=record["created"],
                      api_version=version, previous_attributes=previous, request_id=record["request"]["id"],
                      idempotency_key=record["request"]["idempotency_key"],
                      pending_webhooks=record["pending_webhooks"])


def stored_event(state: State, record: dict, version: str | None = None) -> dict:
    """The event as it was created, in the account's version then: a Stripe-Version header does not re-render it."""
    return render_event(state, record, record.get("api_version") or state.default_version)


RENDERERS["event"] = stored_event


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
    if "webhook_endpoint" in p:
        endpoint = state.store.require("webhook_endpoint", p["webhook_endpoint"], "webhook_endpoint", in_body=True)
        if endpoint["status"] != "enabled":
            raise InvalidRequest(f"The webhook endpoint {endpoint['id']} is disabled.", param="webhook_endpoint")
        targets = [endpoint]
    else:
        targets = [ep for ep in state.store.all("webhook_endpoint") if subscribed(ep, record["type"])]
    for endpoint in targets:
        if endpoint["id"] not in record["undelivered"]:
            record["undelivered"].append(endpoint["id"])
        record["pending_webhooks"] = len(record["undelivered"])
        if state.outbox is not None:
            state.outbox.enqueue(endpoint["id"], render_event(state, record, endpoint["api_version"]
                                                             or state.default_version))
    return stored_event(state, record)


def _type_matches(pattern: str, type: str) -> bool:
    return type.startswith(pattern[:-1]) if pattern.endswith("*") else type == pattern


ROUTES = [
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/<id>", retrieve_event),
    ("POST", "/v1/events/<id>/retry", retry_event),
]
