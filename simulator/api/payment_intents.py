"""`/v1/payment_intents`: create (and confirm), update, confirm, capture, cancel."""

from ..engine.payment_intents import cancel_intent, capture_intent, confirm_intent, create_intent
from .context import Call
from .params import POSITIVE, one_of

# Cards, SEPA and ACH debits and customer balance (bank transfer) payments are simulated; other payment method types
# are refused, not ignored.
TYPES = one_of("card", "sepa_debit", "us_bank_account", "customer_balance")
CHECKS = {"amount": POSITIVE, "payment_method_types.*": TYPES, "payment_method_data.type": TYPES,
          "capture_method": one_of("automatic", "manual")}
CONFIRM_CHECKS = {"payment_method_data.type": one_of("card", "sepa_debit", "us_bank_account")}


def post_intent(call: Call) -> dict:
    """POST /v1/payment_intents."""
    return create_intent(call.state, call.parse(CHECKS, required=("amount", "currency")), origin=call.origin)


def update_intent(call: Call) -> dict:
    """POST /v1/payment_intents/{id}: metadata merges; description, receipt_email and shipping replace."""
    intent = call.state.store.require("payment_intent", call.args["id"])
    p = call.parse(CHECKS)
    for key, value in (p.get("metadata") or {}).items():
        if value == "":
            intent["metadata"].pop(key, None)
        else:
            intent["metadata"][key] = value
    intent.update({k: p[k] for k in ("description", "receipt_email") if k in p})
    return intent


def confirm(call: Call) -> dict:
    """POST /v1/payment_intents/{id}/confirm."""
    intent = call.state.store.require("payment_intent", call.args["id"])
    return confirm_intent(call.state, intent, call.parse(CONFIRM_CHECKS), origin=call.origin)


def capture(call: Call) -> dict:
    """POST /v1/payment_intents/{id}/capture."""
    intent = call.state.store.require("payment_intent", call.args["id"])
    return capture_intent(call.state, intent, call.parse({"amount_to_capture": POSITIVE}), origin=call.origin)


def cancel(call: Call) -> dict:
    """POST /v1/payment_intents/{id}/cancel."""
    intent = call.state.store.require("payment_intent", call.args["id"])
    return cancel_intent(call.state, intent, call.parse().get("cancellation_reason"), origin=call.origin)


ROUTES = [
    ("POST", "/v1/payment_intents", post_intent),
    ("POST", "/v1/payment_intents/<id>", update_intent),
    ("POST", "/v1/payment_intents/<id>/confirm", confirm),
    ("POST", "/v1/payment_intents/<id>/capture", capture),
    ("POST", "/v1/payment_intents/<id>/cancel", cancel),
]
