"""Confirming a Checkout Session through the API, as Stripe.js and the Stripe CLI's fixtures do in test mode."""

from ..engine.checkout import render_session, totals
from ..engine.completion import complete
from ..engine.errors import InvalidRequest
from .context import Call
from .params import NON_NEGATIVE
from .validation import EXPAND, TEXT, UNSET

# Not in Stripe's spec (Stripe.js calls it): what the fake reads; anything else is accepted and ignored.
CONFIRM = {"type": "object", "required": ["payment_method"], "additionalProperties": {}, "properties": {
    "payment_method": TEXT, "expected_amount": {"type": "integer"}, "expected_payment_method_type": TEXT,
    "email": {"anyOf": [TEXT, UNSET]}, "consent": {}, "expand": EXPAND}}


def confirm(call: Call) -> dict:
    """POST /v1/payment_pages/{session id}/confirm: pay the session with a saved card or SEPA debit payment method."""
    state = call.state
    p = call.parse({"expected_amount": NON_NEGATIVE}, schema=CONFIRM)
    session = state.store.require("checkout.session", call.args["id"])
    pm = state.store.require("payment_method", p["payment_method"], "payment_method", in_body=True)
    expected = p.get("expected_amount")
    if expected is not None and expected != totals(state, session).total:
        # Stripe refuses to charge an amount the payer did not see.
        raise InvalidRequest(f"The expected amount ({expected}) does not match the amount due "
                             f"({totals(state, session).total}).", param="expected_amount")
    email, name = p.get("email") or pm["billing_details"]["email"], pm["billing_details"]["name"]
    if pm["type"] == "sepa_debit":
        # A debit ends later, when its IBAN says (checkout.session.async_payment_succeeded or _failed then).
        complete(state, session, email=email, name=name, method="sepa_debit", pm=pm)
    else:
        complete(state, session, email=email, name=name, pm=pm)
    return render_session(state, session, call.version)


def retrieve(call: Call) -> dict:
    """GET /v1/payment_pages/{session id}: what Stripe.js reads before showing the page; the fake answers with the
    session it belongs to."""
    session = call.state.store.require("checkout.session", call.args["id"])
    return render_session(call.state, session, call.version)


ROUTES = [
    ("GET", "/v1/payment_pages/<id>", retrieve),
    ("POST", "/v1/payment_pages/<id>/confirm", confirm),
]
