"""SetupIntents: save a card for later — create, confirm (3D Secure first for the cards that need it, a decline
fails the setup), cancel; each step with the events Stripe sends."""

import copy

from .errors import CardDeclined, InvalidRequest
from .events import emit
from .payment_intents import authentication_step, payment_method_for
from .payments import AUTHENTICATE, DECLINE_MESSAGES, decline_of
from .rendering import render
from .state import State

CANCELABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def setup_intent_object(*, id: str, created: int, customer: str | None, payment_method: str | None,
                        types: list[str], description: str | None, metadata: dict | None, usage: str) -> dict:
    """A `setup_intent` waiting for a payment method or a confirmation."""
    return {"id": id, "object": "setup_intent", "application": None, "automatic_payment_methods": None,
            "cancellation_reason": None, "client_secret": f"{id}_secret_simplex", "created": created,
            "customer": customer, "customer_account": None, "description": description,
            "excluded_payment_method_types": None, "flow_directions": None, "last_setup_error": None,
            "latest_attempt": None, "livemode": False, "mandate": None, "metadata": dict(metadata or {}),
            "next_action": None, "on_behalf_of": None, "payment_method": payment_method,
            "payment_method_configuration_details": None,
            "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                                "request_three_d_secure": "automatic"}} if "card" in types else {},
            "payment_method_types": types, "single_use_mandate": None,
            "status": "requires_confirmation" if payment_method else "requires_payment_method", "usage": usage}


def create_setup(state: State, p: dict, *, origin=(None, None)) -> dict:
    """POST /v1/setup_intents (confirmed at once with `confirm=true`); emits setup_intent.created."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True) if p.get("customer") else None
    pm = payment_method_for(state, p["payment_method"]) if p.get("payment_method") else None
    at = state.now(customer["test_clock"] if customer else None)
    intent = state.store.add(setup_intent_object(
        id=state.new_id("seti"), created=at, customer=customer["id"] if customer else None,
        payment_method=pm["id"] if pm else None, types=p.get("payment_method_types") or ["card"],
        description=p.get("description"), metadata=p.get("metadata"), usage=p.get("usage", "off_session")))
    emit(state, "setup_intent.created", intent, at=at, origin=origin)
    if p.get("confirm"):
        confirm_setup(state, intent, {k: p[k] for k in ("return_url",) if k in p}, origin=origin)
    return intent


def confirm_setup(state: State, intent: dict, p: dict, *, origin=(None, None)) -> dict:
    """Confirm: 3D Secure first for the cards that ask for it; a declining card fails the setup (402); a card
    that works is saved (attached to the customer, if any)."""
    if intent["status"] not in CANCELABLE:
        raise InvalidRequest(f"You cannot confirm this SetupIntent because it has a status of {intent['status']}.",
                             code="setup_intent_unexpected_state")
    if p.get("payment_method"):
        intent["payment_method"] = payment_method_for(state, p["payment_method"])["id"]
    if not intent["payment_method"]:
        raise InvalidRequest("You cannot confirm this SetupIntent because it's missing a payment method.",
                             code="setup_intent_unexpected_state")
    pm = state.store.require("payment_method", intent["payment_method"])
    at = state.now()
    last4 = pm["card"]["last4"] if pm["type"] == "card" else None
    if last4 in AUTHENTICATE and intent["status"] != "requires_action":
        intent.update(status="requires_action", next_action=authentication_step(intent, p.get("return_url")))
        emit(state, "setup_intent.requires_action", intent, at=at, origin=origin)
        return intent
    decline = decline_of(pm) if last4 else None
    if decline is not None:
        error = {"code": "card_declined", "decline_code": decline, "message": DECLINE_MESSAGES[decline],
                 "payment_method": copy.deepcopy(pm), "type": "card_error"}
        intent.update(status="requires_payment_method", payment_method=None, last_setup_error=error,
                      next_action=None)
        emit(state, "setup_intent.setup_failed", intent, at=at, origin=origin)
        raise CardDeclined(DECLINE_MESSAGES[decline], decline,
                           setup_intent=render(state, intent, state.default_version))
    if intent["customer"] and pm["customer"] is None:
        pm["customer"] = intent["customer"]
        emit(state, "payment_method.attached", pm, at=at, origin=origin)
    intent.update(status="succeeded", next_action=None, last_setup_error=None)
    emit(state, "setup_intent.succeeded", intent, at=at, origin=origin)
    return intent


def cancel_setup(state: State, intent: dict, reason: str | None, *, origin=(None, None)) -> dict:
    """Cancel a setup that has not succeeded; emits setup_intent.canceled."""
    if intent["status"] not in CANCELABLE:
        raise InvalidRequest(f"You cannot cancel this SetupIntent because it has a status of {intent['status']}.",
                             code="setup_intent_unexpected_state")
    intent.update(status="canceled", cancellation_reason=reason, next_action=None)
    emit(state, "setup_intent.canceled", intent, at=state.now(), origin=origin)
    return intent
