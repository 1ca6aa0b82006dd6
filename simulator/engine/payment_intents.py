"""PaymentIntents made through the API: create, confirm (card, 3D Secure, declines, SEPA and ACH debits that settle
later), manual capture, cancel; each step with the events Stripe sends."""

import copy

from ..objects.payments import charge_object, payment_intent_object
from .balance import funds_arrived
from .bank_accounts import check_debit, us_bank_details
from .cash_balance import await_transfer, check_options, customer_balance_method
from .disputes import dispute_if_asked
from .errors import CardDeclined, InvalidRequest
from .events import emit
from .debits import conclude, schedule_end
from .payments import (AUTHENTICATE, DECLINE_MESSAGES, TEST_TOKENS, Payment, card_payment_method, decline_of,
                       new_payment_method, sepa_details)
from .rendering import render
from .state import State

CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action",
              "processing")
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
# The debits that answer `processing` and end later (engine/debits.py), with their charge's details.
DEBIT_DETAILS = {"sepa_debit": sepa_details, "us_bank_account": us_bank_details}


def payment_method_for(state: State, value: str, param: str = "payment_method") -> dict:
    """A saved payment method, or a new one for a test token such as `pm_card_visa`."""
    if value in TEST_TOKENS:
        return new_payment_method(state, TEST_TOKENS[value], at=state.now())
    return state.store.require("payment_method", value, param, in_body=True)


def _new_method_type(state: State, p: dict, current: str | None) -> str | None:
    """The type of the payment method a request would pay with (`payment_method_data`, `payment_method`, or the
    intent's own), read before anything is stored."""
    if p.get("payment_method_data"):
        return p["payment_method_data"].get("type")
    value = p.get("payment_method") or current
    if value is None or value in TEST_TOKENS:
        return None if value is None else "card"
    return state.store.require("payment_method", value, "payment_method", in_body=True)["type"]


def _given_method(state: State, p: dict) -> dict | None:
    """The payment method a request names: a new one from `payment_method_data`, else `payment_method`."""
    if p.get("payment_method_data"):
        return card_payment_method(state, p["payment_method_data"])
    return payment_method_for(state, p["payment_method"]) if p.get("payment_method") else None


def create_intent(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A new intent from POST /v1/payment_intents; confirmed at once with `confirm=true`."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True) if p.get("customer") else None
    data_type = (p.get("payment_method_data") or {}).get("type")
    types = p.get("payment_method_types") or (["customer_balance"] if data_type == "customer_balance" else None)
    # Checked before anything is stored, so a refused customer balance intent leaves no trace.
    if data_type == "customer_balance" and "customer_balance" not in types:
        raise InvalidRequest("The payment method type `customer_balance` of `payment_method_data` is not in this "
                             "PaymentIntent's `payment_method_types`.", param="payment_method_data[type]")
    balance_options = (check_options((p.get("payment_method_options") or {}).get("customer_balance"), p["currency"],
                                     customer) if types and "customer_balance" in types else None)
    pm_type = _new_method_type(state, p, None)
    for kind in {pm_type, *(p.get("payment_method_types") or ())}:
        check_debit(kind, p["currency"], p, confirming=bool(p.get("confirm")) and kind == pm_type)
    at = state.now(customer["test_clock"] if customer else None)
    if data_type == "customer_balance" and not p.get("payment_method"):
        pm = customer_balance_method(state, at=at)
    else:
        pm = _given_method(state, p)
    types = types or (["card"] if pm is None else [pm["type"]])
    intent = payment_intent_object(id=state.new_id("pi"), amount=p["amount"], currency=p["currency"], created=at,
                                   customer=customer["id"] if customer else None, latest_charge=None,
                                   payment_method=pm["id"] if pm else None,
                                   status="requires_confirmation" if pm else "requires_payment_method",
                                   metadata=p.get("metadata"), description=p.get("description"),
                                   receipt_email=p.get("receipt_email"))
    intent.update(capture_method=p.get("capture_method", "automatic"),
                  confirmation_method=p.get("confirmation_method", "automatic"), payment_method_types=types,
                  shipping=_shipping(p.get("shipping")), setup_future_usage=p.get("setup_future_usage"),
                  payment_method_options={t: balance_options if t == "customer_balance" else _options(t, p)
                                          for t in types},
                  automatic_payment_methods=_automatic(p.get("automatic_payment_methods")))
    state.store.add(intent)
    emit(state, "payment_intent.created", intent, at=at, origin=origin)
    if p.get("confirm"):
        confirm_intent(state, intent, {k: p[k] for k in ("return_url", "mandate_data", "off_session") if k in p},
                       origin=origin)
    return intent


OPTIONS = {"card": {"installments": None, "mandate_options": None, "network": None,
                    "request_three_d_secure": "automatic"},
           "sepa_debit": {}, "us_bank_account": {"verification_method": "automatic"}}


def _options(kind: str, p: dict) -> dict:
    """An intent's `payment_method_options[kind]`: the defaults, with the verification method asked for."""
    options = copy.deepcopy(OPTIONS.get(kind, {}))
    if kind == "us_bank_account":
        asked = (p.get("payment_method_options") or {}).get("us_bank_account") or {}
        options.update({k: asked[k] for k in ("verification_method",) if k in asked})
    return options


def _shipping(value: dict | None) -> dict | None:
    if not value:
        return None
    keys = ("city", "country", "line1", "line2", "postal_code", "state")
    return {"address": {k: (value.get("address") or {}).get(k) for k in keys}, "carrier": value.get("carrier"),
            "name": value.get("name"), "phone": value.get("phone"), "tracking_number": value.get("tracking_number")}


def _automatic(value: dict | None) -> dict | None:
    if not value:
        return None
    return {"allow_redirects": value.get("allow_redirects", "always"), "enabled": bool(value.get("enabled"))}


def confirm_intent(state: State, intent: dict, p: dict, *, origin=(None, None)) -> dict:
    """Confirm: a card charge (or a 3D Secure step first, or a decline), a SEPA debit that settles later."""
    if intent["status"] not in CONFIRMABLE:
        raise InvalidRequest(f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}."
                             " Only a PaymentIntent with one of the following statuses may be confirmed: "
                             "requires_confirmation, requires_payment_method, requires_action.",
                             code="payment_intent_unexpected_state")
    check_debit(_new_method_type(state, p, intent["payment_method"]), intent["currency"], p, confirming=True)
    if p.get("payment_method") or p.get("payment_method_data"):
        intent["payment_method"] = _given_method(state, p)["id"]
    if not intent["payment_method"]:
        raise InvalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. To "
                             "confirm the PaymentIntent with a payment method, pass it as `payment_method`.",
                             code="payment_intent_unexpected_state")
    pm = state.store.require("payment_method", intent["payment_method"])
    at = state.now(_clock(state, intent))
    if pm["type"] in DEBIT_DETAILS:
        return _debit(state, intent, pm, at=at, origin=origin)
    if pm["type"] == "customer_balance":
        if intent["status"] == "requires_action":
            return intent  # still waiting for a bank transfer: confirming again changes nothing
        return await_transfer(state, intent, at=at, origin=origin)
    if pm["card"]["last4"] in AUTHENTICATE and intent["status"] != "requires_action":
        intent.update(status="requires_action", next_action=authentication_step(intent, p.get("return_url")))
        emit(state, "payment_intent.requires_action", intent, at=at, origin=origin)
        return intent
    return _charge(state, intent, pm, at=at, origin=origin)


def _clock(state: State, intent: dict) -> str | None:
    customer = state.store.get(intent["customer"]) if intent["customer"] else None
    return customer["test_clock"] if customer else None


def authentication_step(intent: dict, return_url: str | None) -> dict:
    """Stripe's next step for a card that needs 3D Secure: the SDK's challenge, or a redirect to `return_url`."""
    url = f"https://hooks.stripe.com/3d_secure_2/hosted?payment_intent={intent['id']}"
    if return_url:
        return {"redirect_to_url": {"return_url": return_url, "url": url}, "type": "redirect_to_url"}
    return {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url}}


def _charge(state: State, intent: dict, pm: dict, *, at: int, origin) -> dict:
    decline = decline_of(pm)
    manual = intent["capture_method"] == "manual"
    charge = charge_object(id=state.new_id("ch"), amount=intent["amount"], currency=intent["currency"], created=at,
                           customer=intent["customer"], payment_intent=intent["id"], payment_method=pm["id"],
                           email=intent["receipt_email"], last4=pm["card"]["last4"], succeeded=decline is None,
                           metadata=intent["metadata"], description=intent["description"])
    charge["shipping"] = copy.deepcopy(intent["shipping"])
    state.store.add(charge)
    intent.update(latest_charge=charge["id"], next_action=None)
    if decline is not None:
        charge.update(failure_code="card_declined", failure_message=DECLINE_MESSAGES[decline])
        charge["outcome"]["reason"] = decline
        error = {"charge": charge["id"], "code": "card_declined", "decline_code": decline,
                 "message": DECLINE_MESSAGES[decline], "payment_method": copy.deepcopy(pm), "type": "card_error"}
        intent.update(status="requires_payment_method", payment_method=None, last_payment_error=error)
        emit(state, "charge.failed", charge, at=at, origin=origin)
        emit(state, "payment_intent.payment_failed", intent, at=at, origin=origin)
        raise CardDeclined(DECLINE_MESSAGES[decline], decline, charge=charge["id"],
                           payment_intent=render(state, intent, state.default_version))
    if manual:
        charge.update(captured=False, amount_captured=0)
        intent.update(status="requires_capture", amount_capturable=intent["amount"], amount_received=0)
        emit(state, "charge.succeeded", charge, at=at, origin=origin)
        emit(state, "payment_intent.amount_capturable_updated", intent, at=at, origin=origin)
        return intent
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    emit(state, "charge.succeeded", charge, at=at, origin=origin)
    emit(state, "payment_intent.succeeded", intent, at=at, origin=origin)
    dispute_if_asked(state, charge, pm["card"]["last4"], at=at)
    funds_arrived(state, charge, at=at)
    return intent


def _debit(state: State, intent: dict, pm: dict, *, at: int, origin) -> dict:
    """A SEPA or ACH debit: processing now; it ends (settles, fails, is disputed) when its test account says
    (engine/debits.py)."""
    charge = charge_object(id=state.new_id("ch"), amount=intent["amount"], currency=intent["currency"], created=at,
                           customer=intent["customer"], payment_intent=intent["id"], payment_method=pm["id"],
                           email=intent["receipt_email"], metadata=intent["metadata"],
                           description=intent["description"])
    charge.update(status="pending", paid=False, captured=True, payment_method_details=DEBIT_DETAILS[pm["type"]](pm))
    charge["outcome"].update(network_status="approved_by_network", seller_message="Payment pending.")
    state.store.add(charge)
    intent.update(status="processing", latest_charge=charge["id"], amount_received=0, next_action=None)
    emit(state, "payment_intent.processing", intent, at=at, origin=origin)
    emit(state, "charge.pending", charge, at=at, origin=origin)
    schedule_end(state, pm, _clock(state, intent), at, "settle_intent", intent["id"])
    return intent


def settle_intent(state: State, intent_id: str, due: int) -> None:
    """A debit confirmed through the API ended (settled or failed)."""
    intent = state.store.get(intent_id)
    if intent is not None and intent["status"] == "processing":
        conclude(state, Payment(intent, state.store.get(intent["latest_charge"])), at=due)


def capture_intent(state: State, intent: dict, p: dict, *, origin=(None, None)) -> dict:
    """Capture an authorised payment (all of it, or `amount_to_capture`)."""
    if intent["status"] != "requires_capture":
        raise InvalidRequest(f"This PaymentIntent could not be captured because it has a status of "
                             f"{intent['status']}. Only a PaymentIntent with one of the following statuses may be "
                             "captured: requires_capture.", code="payment_intent_unexpected_state")
    amount = p.get("amount_to_capture", intent["amount_capturable"])
    if amount > intent["amount_capturable"]:
        raise InvalidRequest("The amount to capture cannot be more than the amount capturable.",
                             param="amount_to_capture", code="amount_too_large")
    at = state.now(_clock(state, intent))
    charge = state.store.require("charge", intent["latest_charge"])
    old = copy.deepcopy(charge)
    charge.update(captured=True, amount_captured=amount)
    intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
    emit(state, "charge.captured", charge, at=at, old=old, origin=origin)
    emit(state, "payment_intent.succeeded", intent, at=at, origin=origin)
    return intent


def cancel_intent(state: State, intent: dict, reason: str | None, *, origin=(None, None)) -> dict:
    """Cancel an intent that has not succeeded; an authorisation is released (charge refunded in full)."""
    if intent["status"] not in CANCELABLE:
        raise InvalidRequest(f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}."
                             f" Only a PaymentIntent with one of the following statuses may be canceled: "
                             f"{', '.join(CANCELABLE)}.", code="payment_intent_unexpected_state")
    at = state.now(_clock(state, intent))
    if intent["status"] == "requires_capture":
        charge = state.store.require("charge", intent["latest_charge"])
        charge.update(refunded=True, amount_refunded=charge["amount"])
    intent.update(status="canceled", canceled_at=at, cancellation_reason=reason or None, amount_capturable=0,
                  next_action=None)
    emit(state, "payment_intent.canceled", intent, at=at, origin=origin)
    return intent


JOBS = {"settle_intent": settle_intent}
