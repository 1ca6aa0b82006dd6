"""The v2 event destinations the platform can ping: each webhook endpoint, and a `ping` thin event sent to it."""

import json
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request

from ..engine.errors import FakeStripeError, ResourceMissing
from .context import authenticate

bp = Blueprint("event_destinations", __name__)
PING = "v2.core.event_destination.ping"


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def render_destination(endpoint: dict) -> dict:
    """A v1 webhook endpoint as the v2 API shows an event destination (its secret never)."""
    return {"id": endpoint["id"], "object": "v2.core.event_destination", "type": "webhook_endpoint",
            "created": _iso(endpoint["created"]), "description": endpoint.get("description") or "",
            "enabled_events": endpoint["enabled_events"], "event_payload": "snapshot", "livemode": False,
            "metadata": endpoint.get("metadata") or {}, "name": endpoint.get("description") or endpoint["id"],
            "snapshot_api_version": endpoint.get("api_version"), "status": endpoint["status"],
            "webhook_endpoint": {"signing_secret": None, "url": endpoint["url"]}}


def _authenticated(fake):
    """The sandbox of the request's key (Stripe's 401 without one)."""
    return fake.sandbox(authenticate(request.headers.get("Authorization"), fake.api_key))


@bp.get("/v2/core/event_destinations")
def list_destinations():
    """GET /v2/core/event_destinations: every webhook endpoint, oldest first."""
    fake = current_app.extensions["fake_stripe"]
    try:
        fake = _authenticated(fake)
    except FakeStripeError as exc:
        return _json(exc.body(), exc.http_status)
    with fake.state.lock:
        data = [render_destination(e) for e in fake.state.store.all("webhook_endpoint")]
    return _json({"data": data, "next_page_url": None, "previous_page_url": None})


@bp.post("/v2/core/event_destinations/<id>/ping")
def ping(id: str):
    """POST /v2/core/event_destinations/{id}/ping: a signed thin `ping` event goes to the endpoint."""
    fake = current_app.extensions["fake_stripe"]
    try:
        fake = _authenticated(fake)
        with fake.state.lock:
            endpoint = fake.state.store.get(id)
            if endpoint is None or endpoint["object"] != "webhook_endpoint":
                raise ResourceMissing("event_destination", id)
            event = {"id": "evt_test_" + fake.state.ids.token(40), "object": "v2.core.event", "context": None,
                     "created": _iso(fake.now), "data": None, "livemode": False, "reason": None,
                     "related_object": {"id": id, "type": "event_destination",
                                        "url": f"/v2/core/event_destinations/{id}"},
                     "type": PING}
            if fake.outbox is not None:
                fake.outbox.enqueue(id, event)
    except FakeStripeError as exc:
        return _json(exc.body(), exc.http_status)
    return _json(event)
