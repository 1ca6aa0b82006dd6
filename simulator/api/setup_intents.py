"""`/v1/setup_intents`: create (and confirm), update, confirm, cancel, retrieve, list."""

from ..engine.metadata import merge_metadata
from ..engine.setup_intents import cancel_setup, confirm_setup, create_setup
from .context import Call
from .lists import page
from .params import one_of

# Cards are simulated; other payment method types are refused, not ignored.
CHECKS = {"payment_method_types.*": one_of("card"), "usage": one_of("off_session", "on_session")}


def post_setup(call: Call) -> dict:
    """POST /v1/setup_intents."""
    return create_setup(call.state, call.parse(CHECKS), origin=call.origin)


def update_setup(call: Call) -> dict:
    """POST /v1/setup_intents/{id}: metadata merges, description replaces."""
    intent = call.state.store.require("setup_intent", call.args["id"])
    p = call.parse(CHECKS)
    if "metadata" in p:
        intent["metadata"] = merge_metadata(intent["metadata"], p["metadata"])
    intent.update({k: p[k] for k in ("description",) if k in p})
    return intent


def confirm(call: Call) -> dict:
    """POST /v1/setup_intents/{id}/confirm."""
    intent = call.state.store.require("setup_intent", call.args["id"])
    return confirm_setup(call.state, intent, call.parse(), origin=call.origin)


def cancel(call: Call) -> dict:
    """POST /v1/setup_intents/{id}/cancel."""
    intent = call.state.store.require("setup_intent", call.args["id"])
    return cancel_setup(call.state, intent, call.parse().get("cancellation_reason"), origin=call.origin)


def retrieve_setup(call: Call) -> dict:
    """GET /v1/setup_intents/{id}."""
    return call.state.store.require("setup_intent", call.args["id"])


def list_setups(call: Call) -> dict:
    """GET /v1/setup_intents (by customer, payment_method)."""
    p = call.params
    return page(call, "setup_intent", "/v1/setup_intents", p,
                where={k: p[k] for k in ("customer", "payment_method") if k in p})


ROUTES = [
    ("POST", "/v1/setup_intents", post_setup),
    ("GET", "/v1/setup_intents", list_setups),
    ("GET", "/v1/setup_intents/<id>", retrieve_setup),
    ("POST", "/v1/setup_intents/<id>", update_setup),
    ("POST", "/v1/setup_intents/<id>/confirm", confirm),
    ("POST", "/v1/setup_intents/<id>/cancel", cancel),
]
