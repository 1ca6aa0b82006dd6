"""`/v1/disputes`: list, retrieve, update (evidence, metadata), close."""

from ..engine.disputes import close_dispute, update_dispute
from .context import Call
from .lists import page


def list_disputes(call: Call) -> dict:
    """GET /v1/disputes (by charge or payment_intent)."""
    p = call.params
    return page(call, "dispute", "/v1/disputes", p, where={k: p[k] for k in ("charge", "payment_intent") if k in p})


def retrieve_dispute(call: Call) -> dict:
    """GET /v1/disputes/{id}."""
    return call.state.store.require("dispute", call.args["id"])


def post_dispute(call: Call) -> dict:
    """POST /v1/disputes/{id}."""
    dispute = call.state.store.require("dispute", call.args["id"])
    return update_dispute(call.state, dispute, call.parse(), origin=call.origin)


def close(call: Call) -> dict:
    """POST /v1/disputes/{id}/close."""
    return close_dispute(call.state, call.state.store.require("dispute", call.args["id"]), origin=call.origin)


ROUTES = [
    ("GET", "/v1/disputes", list_disputes),
    ("GET", "/v1/disputes/<id>", retrieve_dispute),
    ("POST", "/v1/disputes/<id>", post_dispute),
    ("POST", "/v1/disputes/<id>/close", close),
]
