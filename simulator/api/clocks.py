"""`/v1/test_helpers/test_clocks`: create, retrieve, list, advance, delete."""


from ..engine import clocks
from ..engine.clocks import KIND
from .context import Call
from .lists import page
from .params import NON_NEGATIVE


def create_clock(call: Call) -> dict:
    """POST /v1/test_helpers/test_clocks (`customer` attaches an existing customer, as dahlia allows)."""
    state = call.state
    p = call.parse({"frozen_time": NON_NEGATIVE})
    return clocks.create_clock(state, p, origin=call.origin)


def retrieve_clock(call: Call) -> dict:
    """GET /v1/test_helpers/test_clocks/{id}."""
    return call.state.store.require(KIND, call.args["id"])


def list_clocks(call: Call) -> dict:
    """GET /v1/test_helpers/test_clocks."""
    return page(call, KIND, "/v1/test_helpers/test_clocks", call.params)


def advance_clock(call: Call) -> dict:
    """POST …/{id}/advance: every renewal, retry and cancellation due by `frozen_time` happens now."""
    state = call.state
    clock = state.store.require(KIND, call.args["id"])
    p = call.parse({"frozen_time": NON_NEGATIVE})
    return clocks.advance_clock(state, clock, p, origin=call.origin)


def delete_clock(call: Call) -> dict:
    """DELETE …/{id}: its customers and their subscriptions go with it."""
    state = call.state
    clock = state.store.require(KIND, call.args["id"])
    return clocks.delete_clock(state, clock, origin=call.origin)


ROUTES = [
    ("POST", "/v1/test_helpers/test_clocks", create_clock),
    ("GET", "/v1/test_helpers/test_clocks", list_clocks),
    ("GET", "/v1/test_helpers/test_clocks/<id>", retrieve_clock),
    ("POST", "/v1/test_helpers/test_clocks/<id>/advance", advance_clock),
    ("DELETE", "/v1/test_helpers/test_clocks/<id>", delete_clock),
]
