"""`/v1/webhook_endpoints`: the secret is shown once, at creation; every change reaches the outbox."""

import copy

from ..engine import webhooks
from ..engine.errors import FakeStripeError, InvalidParameter
from ..engine.webhooks import render_endpoint
from .context import Call, resolve_version
from .lists import page
from .params import longest


def create_endpoint(call: Call) -> dict:
    """POST /v1/webhook_endpoints: the response is the only place the `whsec_` secret appears."""
    state = call.state
    p = call.parse({"url": longest(5000)})
    version = p.get("api_version")
    if version is not None:
        try:
            version = resolve_version(version, state.default_version)
        except FakeStripeError:
            raise InvalidParameter(f"Invalid api_version: {version}", "api_version") from None
    endpoint = webhooks.create_endpoint(state, p, version)
    return copy.deepcopy(endpoint)


def retrieve_endpoint(call: Call) -> dict:
    """GET /v1/webhook_endpoints/{id}."""
    return render_endpoint(call.state, call.state.store.require("webhook_endpoint", call.args["id"]), call.version)


def update_endpoint(call: Call) -> dict:
    """POST /v1/webhook_endpoints/{id}: url, events, description, metadata, disabled (api_version is fixed)."""
    state = call.state
    endpoint = state.store.require("webhook_endpoint", call.args["id"])
    p = call.parse({"url": longest(5000)})
    webhooks.update_endpoint(state, endpoint, p, origin=call.origin)
    return render_endpoint(state, endpoint, call.version)


def delete_endpoint(call: Call) -> dict:
    """DELETE /v1/webhook_endpoints/{id}: pending retries to it stop."""
    state = call.state
    endpoint = call.state.store.require("webhook_endpoint", call.args["id"])
    return webhooks.delete_endpoint(state, endpoint, origin=call.origin)


def list_endpoints(call: Call) -> dict:
    """GET /v1/webhook_endpoints."""
    return page(call, "webhook_endpoint", "/v1/webhook_endpoints", call.params)

ROUTES = [
    ("POST", "/v1/webhook_endpoints", create_endpoint),
    ("GET", "/v1/webhook_endpoints", list_endpoints),
    ("GET", "/v1/webhook_endpoints/<id>", retrieve_endpoint),
    ("POST", "/v1/webhook_endpoints/<id>", update_endpoint),
    ("DELETE", "/v1/webhook_endpoints/<id>", delete_endpoint),
]
