"""/v2/core: event destinations (create, retrieve, update, delete, enable, disable, ping; v1 webhook endpoints are
listed and pinged as destinations too) and thin events (list, retrieve); JSON 404 on any other /v2 path."""

import json
from functools import wraps

from flask import Blueprint, Response, current_app, request

from ..engine import destinations as engine
from ..engine.errors import FakeStripeError, InvalidParameter, InvalidRequest, ResourceMissing, UnknownRoute
from .context import authenticate

bp = Blueprint("event_destinations", __name__)
PREFIX = "/v2/core/event_destinations"
MAX_LIMIT = 100
METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH"]


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def api(view):
    """Authenticate, run under the state lock, answer JSON; errors in Stripe's shape."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        fake = current_app.extensions["fake_stripe"]
        try:
            # Each secret key is its own account (sandbox): its destinations, events and outbox.
            state = fake.sandbox(authenticate(request.headers.get("Authorization"), fake.api_key)).state
            with state.lock:
                body = view(state, *args, **kwargs)
            if request.method in ("POST", "DELETE"):
                fake.changed()
        except FakeStripeError as exc:
            return _json(exc.body(), exc.http_status)
        return _json(body)
    return wrapper


def _body() -> dict:
    """A v2 request's JSON body (the SDK sends JSON to /v2), or {} when there is none."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidRequest("Invalid JSON body: a v2 request body must be a JSON object.")
    return data


def _include(body: dict | None = None) -> tuple[str, ...]:
    """`include` from the JSON body or the query (`include[0]=…`, `include=…`), each value checked."""
    values = list((body or {}).get("include") or [])
    values += [v for k, vs in request.args.lists() if k == "include" or k.startswith("include[") for v in vs]
    for value in values:
        if value not in engine.INCLUDABLE:
            raise InvalidParameter(f"Invalid include: {value!r}; one of {', '.join(engine.INCLUDABLE)}", "include")
    return tuple(values)


def _limit() -> int:
    raw = request.args.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidParameter(f"Invalid limit: must be an integer from 1 to {MAX_LIMIT}", "limit")
    return int(raw)


def render_endpoint(endpoint: dict) -> dict:
    """A v1 webhook endpoint as the v2 API lists it: a snapshot destination (its secret never)."""
    return {"id": endpoint["id"], "object": engine.KIND, "type": "webhook_endpoint",
            "amazon_eventbridge": None, "azure_event_grid": None,
            "created": engine.iso(endpoint["created"]), "description": endpoint.get("description") or "",
            "enabled_events": endpoint["enabled_events"], "event_payload": "snapshot", "events_from": None,
            "livemode": False, "metadata": endpoint.get("metadata") or {},
            "name": endpoint.get("description") or endpoint["id"],
            "snapshot_api_version": endpoint.get("api_version"), "status": endpoint["status"],
            "status_details": None, "updated": engine.iso(endpoint["created"]),
            "webhook_endpoint": {"signing_secret": None, "url": endpoint["url"]}}


@bp.get(PREFIX)
@api
def list_destinations(state):
    """GET /v2/core/event_destinations: v1 webhook endpoints and v2 destinations, oldest first."""
    include, limit = _include(), _limit()
    data = [render_endpoint(e) for e in state.store.all("webhook_endpoint")]
    data += [engine.render_destination(d, include) for d in state.store.all(engine.KIND)]
    return {"data": data[:limit], "next_page_url": None, "previous_page_url": None}


@bp.post(PREFIX)
@api
def create_destination(state):
    """POST /v2/core/event_destinations (JSON): the signing secret only with include webhook_endpoint.signing_secret."""
    body = _body()
    include = _include(body)
    dest = engine.create_destination(state, {k: v for k, v in body.items() if k != "include"})
    return engine.render_destination(dest, include)


@bp.get(f"{PREFIX}/<id>")
@api
def retrieve_destination(state, id: str):
    """GET /v2/core/event_destinations/{id} (the secret is never shown again)."""
    include = tuple(i for i in _include() if i != "webhook_endpoint.signing_secret")
    return engine.render_destination(engine.require(state, id), include)


@bp.post(f"{PREFIX}/<id>")
@api
def update_destination(state, id: str):
    """POST /v2/core/event_destinations/{id}: name, description, enabled_events, metadata, webhook_endpoint.url."""
    body = _body()
    include = tuple(i for i in _include(body) if i != "webhook_endpoint.signing_secret")
    return engine.render_destination(engine.update_destination(state, engine.require(state, id), body), include)


@bp.delete(f"{PREFIX}/<id>")
@api
def delete_destination(state, id: str):
    """DELETE /v2/core/event_destinations/{id}."""
    return engine.delete_destination(state, engine.require(state, id))


@bp.post(f"{PREFIX}/<id>/enable")
@api
def enable_destination(state, id: str):
    """POST /v2/core/event_destinations/{id}/enable."""
    return engine.render_destination(engine.set_enabled(state, engine.require(state, id), True))


@bp.post(f"{PREFIX}/<id>/disable")
@api
def disable_destination(state, id: str):
    """POST /v2/core/event_destinations/{id}/disable."""
    return engine.render_destination(engine.set_enabled(state, engine.require(state, id), False))


@bp.post(f"{PREFIX}/<id>/ping")
@api
def ping(state, id: str):
    """POST /v2/core/event_destinations/{id}/ping: a signed thin `ping` event goes to the destination (or to the
    v1 webhook endpoint of that id)."""
    record = state.store.get(id)
    if record is not None and record.get("object") == "webhook_endpoint":
        return engine.ping(state, {**record, "id": id})
    return engine.ping(state, engine.require(state, id))


@bp.get("/v2/core/events")
@api
def list_events(state):
    """GET /v2/core/events: thin events, newest first; `object_id` and `types[…]` filter."""
    limit, object_id = _limit(), request.args.get("object_id")
    types = [v for k, vs in request.args.lists() if k == "types" or k.startswith("types[") for v in vs]
    events = [engine.render_thin(e) for e in reversed(list(state.store.all(engine.EVENT)))
              if (object_id is None or e["related_object"]["id"] == object_id) and (not types or e["type"] in types)]
    return {"data": events[:limit], "next_page_url": None, "previous_page_url": None}


@bp.get("/v2/core/events/<id>")
@api
def retrieve_event(state, id: str):
    """GET /v2/core/events/{id}."""
    event = state.store.get(id)
    if event is None or event.get("object") != engine.EVENT:
        raise ResourceMissing("event", id)
    return engine.render_thin(event)


@bp.route("/v2", methods=METHODS)
@bp.route("/v2/<path:rest>", methods=METHODS)
@api
def unknown(state, rest: str = ""):
    """Any other /v2 path: Stripe's JSON 404, never an HTML page."""
    raise UnknownRoute(request.method, request.path)
