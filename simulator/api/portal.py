"""`/v1/billing_portal/configurations` and `/v1/billing_portal/sessions`: the customer portal."""

from ..engine.portal import create_configuration, create_session, update_configuration
from .context import Call
from .lists import page

KIND = "billing_portal.configuration"


def post_configuration(call: Call) -> dict:
    """POST /v1/billing_portal/configurations."""
    return create_configuration(call.state, call.parse(required=("features",)), origin=call.origin)


def post_configuration_update(call: Call) -> dict:
    """POST /v1/billing_portal/configurations/{id}."""
    config = call.state.store.require(KIND, call.args["id"], word="configuration")
    return update_configuration(call.state, config, call.parse(), origin=call.origin)


def retrieve_configuration(call: Call) -> dict:
    """GET /v1/billing_portal/configurations/{id}."""
    return call.state.store.require(KIND, call.args["id"], word="configuration")


def list_configurations(call: Call) -> dict:
    """GET /v1/billing_portal/configurations (`active`, `is_default`)."""
    p = call.params
    return page(call, KIND, "/v1/billing_portal/configurations", p,
                where={k: p[k] for k in ("active", "is_default") if k in p})


def post_session(call: Call) -> dict:
    """POST /v1/billing_portal/sessions."""
    return create_session(call.state, call.parse(required=("customer",)), origin=call.origin)


ROUTES = [
    ("POST", "/v1/billing_portal/configurations", post_configuration),
    ("GET", "/v1/billing_portal/configurations", list_configurations),
    ("GET", "/v1/billing_portal/configurations/<id>", retrieve_configuration),
    ("POST", "/v1/billing_portal/configurations/<id>", post_configuration_update),
    ("POST", "/v1/billing_portal/sessions", post_session),
]
