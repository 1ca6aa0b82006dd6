"""`/v1/refunds`: create, update, retrieve, list."""

from ..engine.refunds import create_refund, update_refund
from .context import Call
from .lists import page
from .params import POSITIVE


def post_refund(call: Call) -> dict:
    """POST /v1/refunds."""
    return create_refund(call.state, call.parse({"amount": POSITIVE}), origin=call.origin)


def post_refund_update(call: Call) -> dict:
    """POST /v1/refunds/{id}: only metadata changes."""
    refund = call.state.store.require("refund", call.args["id"])
    return update_refund(call.state, refund, call.parse().get("metadata") or {}, origin=call.origin)


def retrieve_refund(call: Call) -> dict:
    """GET /v1/refunds/{id}."""
    return call.state.store.require("refund", call.args["id"])


def list_refunds(call: Call) -> dict:
    """GET /v1/refunds."""
    p = call.params
    return page(call, "refund", "/v1/refunds", p, where={k: p[k] for k in ("charge", "payment_intent") if k in p})


ROUTES = [
    ("POST", "/v1/refunds", post_refund),
    ("GET", "/v1/refunds", list_refunds),
    ("GET", "/v1/refunds/<id>", retrieve_refund),
    ("POST", "/v1/refunds/<id>", post_refund_update),
]
