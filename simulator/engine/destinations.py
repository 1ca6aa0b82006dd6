"""v2 event destinations and thin events: a destination receives, for each v1 event it subscribes to, either a
thin `v2.core.event` naming the related object (`v1.invoice.paid`) or the v1 snapshot event."""

import re
from datetime import datetime, timezone

from ..versions import serve
from .errors import InvalidParameter, MissingParameter, ResourceMissing
from .metadata import merge_metadata
from .state import State

KIND = "v2.core.event_destination"
EVENT = "v2.core.event"
PING = "v2.core.event_destination.ping"
PAYLOADS = ("thin", "snapshot")
# The types a destination can be: only webhook endpoints are simulated (Amazon EventBridge and Azure Event Grid
# need a cloud account).
TYPES = ("webhook_endpoint",)
INCLUDABLE = ("webhook_endpoint.signing_secret", "webhook_endpoint.url")
EVENT_TYPE = re.compile(r"^(\*|(v1\.)?[a-z_]+(\.[a-z_]+)+)$")
# Where a thin event's related object is fetched from, per object type.
RELATED_URLS = {
    "customer": "/v1/customers", "invoice": "/v1/invoices", "subscription": "/v1/subscriptions",
    "checkout.session": "/v1/checkout/sessions", "charge": "/v1/charges", "payment_intent": "/v1/payment_intents",
    "payment_method": "/v1/payment_methods", "product": "/v1/products", "price": "/v1/prices",
    "tax_rate": "/v1/tax_rates", "invoiceitem": "/v1/invoiceitems", "refund": "/v1/refunds",
    "test_helpers.test_clock": "/v1/test_helpers/test_clocks", "invoice_payment": "/v1/invoice_payments",
    "setup_intent": "/v1/setup_intents", "subscription_schedule": "/v1/subscription_schedules",
}


def iso(ts: float) -> str:
    """A unix time as v2 writes times: RFC 3339 with milliseconds, UTC."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _check(p: dict, *, creating: bool) -> None:
    required = ("name", "enabled_events", "event_payload", "type") if creating else ()
    for name in required:
        if p.get(name) in (None, "", []):
            raise MissingParameter(name)
    if "type" in p and p["type"] not in TYPES:
        raise InvalidParameter(f"Invalid type: {p['type']!r}; this fake Stripe simulates only webhook_endpoint "
                               "event destinations.", "type")
    if "event_payload" in p and p["event_payload"] not in PAYLOADS:
        raise InvalidParameter(f"Invalid event_payload: must be one of {', '.join(PAYLOADS)}", "event_payload")
    events = p.get("enabled_events")
    if events is not None:
        if not isinstance(events, list) or not events:
            raise InvalidParameter("You must specify at least one event in `enabled_events`.", "enabled_events")
        for index, type in enumerate(events):
            if not isinstance(type, str) or not EVENT_TYPE.match(type):
                raise InvalidParameter(f"Invalid enabled_events[{index}]: {type!r} is not a valid event type",
                                       f"enabled_events[{index}]")
    hook = p.get("webhook_endpoint")
    if creating and not isinstance(hook, dict):
        raise MissingParameter("webhook_endpoint")
    if hook is not None:
        url = hook.get("url") if isinstance(hook, dict) else None
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
            raise InvalidParameter(f"Invalid URL: {url}", "webhook_endpoint.url", code="url_invalid")
    version = p.get("snapshot_api_version")
    if version is not None and (not isinstance(version, str) or serve(version) is None
                                or serve(version).substituted):
        raise InvalidParameter(f"Invalid snapshot_api_version: {version}", "snapshot_api_version")
    if "metadata" in p and not isinstance(p["metadata"], dict):
        raise InvalidParameter("Invalid metadata: must be an object", "metadata")


def configure(state: State, dest: dict) -> None:
    """Tell the outbox where this destination's deliveries go (and with which secret)."""
    if state.outbox is not None:
        state.outbox.configure(dest["id"], dest["url"], dest["secret"], dest["status"] == "enabled")


def restore(state: State) -> None:
    """Tell the outbox about every stored destination (after a restart)."""
    for dest in state.store.all(KIND):
        configure(state, dest)


def create_destination(state: State, p: dict) -> dict:
    """A new enabled destination with its own `whsec_` signing secret."""
    _check(p, creating=True)
    now = iso(state.now())
    dest = {"id": "ed_test_" + state.ids.token(24), "object": KIND, "type": p["type"], "name": p["name"],
            "description": p.get("description") or "", "enabled_events": list(p["enabled_events"]),
            "event_payload": p["event_payload"], "events_from": p.get("events_from"), "livemode": False,
            "metadata": dict(p.get("metadata") or {}),
            "snapshot_api_version": (p.get("snapshot_api_version") or state.default_version
                                     if p["event_payload"] == "snapshot" else None),
            "status": "enabled", "status_details": None, "created": now, "updated": now,
            "url": p["webhook_endpoint"]["url"], "secret": "whsec_" + state.ids.token(32)}
    state.store.add(dest)
    configure(state, dest)
    return dest


def update_destination(state: State, dest: dict, p: dict) -> dict:
    """Change name, description, enabled events, metadata or the URL."""
    _check({k: v for k, v in p.items() if k != "include"}, creating=False)
    for field in ("name", "description", "enabled_events"):
        if field in p:
            dest[field] = p[field]
    if "metadata" in p:
        dest["metadata"] = merge_metadata(dest["metadata"], p["metadata"])
    if "webhook_endpoint" in p:
        dest["url"] = p["webhook_endpoint"]["url"]
    dest["updated"] = iso(state.now())
    configure(state, dest)
    return dest


def set_enabled(state: State, dest: dict, enabled: bool) -> dict:
    """Enable or disable a destination (a disabled one drops what it had queued)."""
    dest["status"] = "enabled" if enabled else "disabled"
    dest["updated"] = iso(state.now())
    configure(state, dest)
    return dest


def delete_destination(state: State, dest: dict) -> dict:
    """Forget a destination; pending deliveries to it stop."""
    state.store.remove(dest["id"])
    if state.outbox is not None:
        state.outbox.configure(dest["id"], dest["url"], dest["secret"], False)
    return {"id": dest["id"], "object": KIND, "deleted": True}


def render_destination(dest: dict, include: tuple[str, ...] = ()) -> dict:
    """A destination as the API shows it: its URL and signing secret only when `include` asks for them."""
    out = {k: v for k, v in dest.items() if k not in ("url", "secret")}
    out["amazon_eventbridge"] = out["azure_event_grid"] = None
    out["webhook_endpoint"] = {"signing_secret": dest["secret"] if "webhook_endpoint.signing_secret" in include
                               else None,
                               "url": dest["url"] if "webhook_endpoint.url" in include else None}
    return dict(sorted(out.items()))


def require(state: State, id: str) -> dict:
    """The destination `id`, or 404."""
    dest = state.store.get(id)
    if dest is None or dest.get("object") != KIND:
        raise ResourceMissing("event_destination", id)
    return dest


def wants(dest: dict, type: str) -> bool:
    """Whether an enabled destination subscribes to v1 event `type` (thin ones name it `v1.…`)."""
    if dest["status"] != "enabled":
        return False
    name = f"v1.{type}" if dest["event_payload"] == "thin" else type
    return "*" in dest["enabled_events"] or name in dest["enabled_events"]


def thin_event(state: State, event: dict, related: dict) -> dict:
    """The thin v2 event of a v1 event (made once, stored, listed by /v2/core/events)."""
    existing = state.store.get(event.get("thin") or "")
    if existing is not None:
        return existing
    kind = related["object"]
    thin = {"id": "evt_test_" + state.ids.token(40), "object": EVENT, "type": f"v1.{event['type']}",
            "created": iso(event["created"]), "livemode": False, "context": None,
            "reason": _reason(event), "changes": None,
            "related_object": {"id": related["id"], "type": kind,
                               "url": f"{RELATED_URLS[kind]}/{related['id']}"},
            "snapshot_event": event["id"]}
    state.store.add(thin)
    event["thin"] = thin["id"]
    return thin


def _reason(event: dict) -> dict | None:
    request = event.get("request") or {}
    if not request.get("id"):
        return None
    return {"type": "request", "request": {"id": request["id"], "idempotency_key": request.get("idempotency_key")}}


def ping(state: State, dest: dict) -> dict:
    """A thin `ping` event naming the destination, sent to it."""
    event = {"id": "evt_test_" + state.ids.token(40), "object": EVENT, "type": PING,
             "created": iso(state.now()), "livemode": False, "context": None, "reason": None, "changes": None,
             "related_object": {"id": dest["id"], "type": "event_destination",
                                "url": f"/v2/core/event_destinations/{dest['id']}"}}
    state.store.add(event)
    if state.outbox is not None:
        state.outbox.enqueue(dest["id"], render_thin(event))
    return render_thin(event)


def render_thin(event: dict) -> dict:
    """A v2 event as delivered and as the API shows it (without the fake's own bookkeeping)."""
    return {k: v for k, v in event.items() if k != "snapshot_event"}


def related_of(event: dict) -> dict | None:
    """The object a v1 event is about, when a thin event can point at it (an id and a URL to fetch it from)."""
    for obj, _ in event["renders"].values():
        if obj.get("object") in RELATED_URLS and isinstance(obj.get("id"), str):
            return obj
    return None
