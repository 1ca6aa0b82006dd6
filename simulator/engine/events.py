"""Events: every state change records one, frozen per payload shape, and fans it out to subscribed endpoints."""

from . import destinations
from .envelope import make_event, previous_attributes
from .errors import InvalidRequest
from .rendering import SHAPES, gate, shape_of, snapshot
from .state import State

NO_REQUEST = (None, None)


def emit(state: State, type: str, record: dict, *, at: int, old: dict | None = None,
         origin: tuple[str | None, str | None] = NO_REQUEST) -> dict:
    """Record an event about `record` (its state before the change in `old`) and deliver it."""
    # The data of an event never changes, so it is rendered now, frozen: once per shape for versioned types
    # (an in-process story that needs one shape only asks for that one: state.event_shapes).
    if record["object"] in state.versioned:
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
    fan_out_destinations(state, event)


def fan_out_destinations(state: State, event: dict) -> None:
    """v2 event destinations: a thin event (made once) or the snapshot in the destination's version."""
    if state.outbox is None:
        return
    for dest in state.store.all(destinations.KIND):
        if not destinations.wants(dest, event["type"]):
            continue
        if dest["event_payload"] == "snapshot":
            state.outbox.enqueue(dest["id"], render_event(state, event, dest["snapshot_api_version"]))
            continue
        related = destinations.related_of(event)
        if related is not None:
            thin = destinations.thin_event(state, event, related)
            state.outbox.enqueue(dest["id"], destinations.render_thin(thin))


def acknowledge(state: State, event_id: str, endpoint_id: str) -> None:
    """An endpoint answered 2xx: one fewer pending webhook."""
    with state.lock:
        event = state.store.get(event_id)
        if event is not None and endpoint_id in event.get("undelivered", ()):
            event["undelivered"].remove(endpoint_id)
            event["pending_webhooks"] = len(event["undelivered"])


def render_event(state: State, record: dict, version: str) -> dict:
    """The event envelope with its data in `version`'s shape."""
    renders = record["renders"]
    obj, previous = renders.get(shape_of(version)) or renders["*"]
    return make_event(id=record["id"], type=record["type"], obj=gate(obj, version), created=record["created"],
                      api_version=version, previous_attributes=previous, request_id=record["request"]["id"],
                      idempotency_key=record["request"]["idempotency_key"],
                      pending_webhooks=record["pending_webhooks"])


def stored_event(state: State, record: dict, version: str | None = None) -> dict:
    """The event as it was created, in the account's version then: a Stripe-Version header does not re-render it."""
    return render_event(state, record, record.get("api_version") or state.default_version)


def resend(state: State, record: dict, endpoint_id: str | None = None) -> None:
    """Deliver a stored event again, signed anew, to one endpoint or to every enabled endpoint subscribed to it."""
    if endpoint_id is not None:
        endpoint = state.store.require("webhook_endpoint", endpoint_id, "webhook_endpoint", in_body=True)
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


RENDERERS = {"event": stored_event}
