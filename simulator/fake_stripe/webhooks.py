"""Webhook endpoints: the secret is shown once, at creation; the outbox learns every change."""

import copy
import re

from .api import Call, resolve_version
from .errors import FakeStripeError, InvalidParameter
from .params import longest, merge_metadata
from .rendering import RENDERERS, deleted, page
from .state import State

EVENT_TYPE = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)+)$")


def render_endpoint(state: State, record: dict, version: str) -> dict:
    """An endpoint as retrieve and list show it: the signing secret is never returned again."""
    return {k: v for k, v in record.items() if k != "secret"}


def _check(p: dict) -> None:
    url = p.get("url")
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise InvalidParameter(f"Invalid URL: {url}", "url", code="url_invalid")
    for index, type in enumerate(p.get("enabled_events") or []):
        if not EVENT_TYPE.match(type):
            raise InvalidParameter(f"Invalid enabled_events[{index}]: {type} is not a valid event type",
                                   f"enabled_events[{index}]")
    if "enabled_events" in p and not p["enabled_events"]:
        raise InvalidParameter("You must specify at least one event in `enabled_events`.", "enabled_events")


def _configure(state: State, endpoint: dict) -> None:
    if state.outbox is not None:
        state.outbox.configure(endpoint["id"], endpoint["url"], endpoint["secret"], endpoint["status"] == "enabled")


def create_endpoint(call: Call) -> dict:
    """POST /v1/webhook_endpoints: the response is the only place the `whsec_` secret appears."""
    state = call.state
    p = call.parse({"url": longest(5000)})
    _check(p)
    version = p.get("api_version")
    if version is not None:
        try:
            version = resolve_version(version, state.default_version)
        except FakeStripeError:
            raise InvalidParameter(f"Invalid api_version: {version}", "api_version") from None
    endpoint = {
        "id": state.new_id("we"), "object": "webhook_endpoint", "api_version": version, "application": None,
        "created": state.now(), "description": p.get("description"), "enabled_events": p["enabled_events"],
        "livemode": False, "metadata": dict(p.get("metadata") or {}), "secret": "whsec_" + state.ids.token(32),
        "status": "enabled", "url": p["url"],
    }
    state.store.add(endpoint)
    _configure(state, endpoint)
    return copy.deepcopy(endpoint)


def retrieve_endpoint(call: Call) -> dict:
    """GET /v1/webhook_endpoints/{id}."""
    return render_endpoint(call.state, call.state.store.require("webhook_endpoint", call.args["id"]), call.version)


def update_endpoint(call: Call) -> dict:
    """POST /v1/webhook_endpoints/{id}: url, events, description, metadata, disabled (api_version is fixed)."""
    state = call.state
    endpoint = state.store.require("webhook_endpoint", call.args["id"])
    p = call.parse({"url": longest(5000)})
    _check(p)
    for field in ("url", "enabled_events", "description"):
        if field in p:
            endpoint[field] = p[field]
    if "metadata" in p:
        endpoint["metadata"] = merge_metadata(endpoint["metadata"], p["metadata"])
    if "disabled" in p:
        endpoint["status"] = "disabled" if p["disabled"] else "enabled"
    _configure(state, endpoint)
    return render_endpoint(state, endpoint, call.version)


def delete_endpoint(call: Call) -> dict:
    """DELETE /v1/webhook_endpoints/{id}: pending retries to it stop."""
    endpoint = call.state.store.require("webhook_endpoint", call.args["id"])
    call.state.store.remove(endpoint["id"])
    if call.state.outbox is not None:
        call.state.outbox.configure(endpoint["id"], endpoint["url"], endpoint["secret"], False)
    return deleted(endpoint["id"], "webhook_endpoint")


def list_endpoints(call: Call) -> dict:
    """GET /v1/webhook_endpoints."""
    return page(call, "webhook_endpoint", "/v1/webhook_endpoints", call.params)


def restore_outbox(state: State) -> None:
    """Tell the outbox about every stored endpoint (after a restart or reset)."""
    for endpoint in state.store.all("webhook_endpoint"):
        _configure(state, endpoint)


RENDERERS["webhook_endpoint"] = render_endpoint

ROUTES = [
    ("POST", "/v1/webhook_endpoints", create_endpoint),
    ("GET", "/v1/webhook_endpoints", list_endpoints),
    ("GET", "/v1/webhook_endpoints/<id>", retrieve_endpoint),
    ("POST", "/v1/webhook_endpoints/<id>", update_endpoint),
    ("DELETE", "/v1/webhook_endpoints/<id>", delete_endpoint),
]
