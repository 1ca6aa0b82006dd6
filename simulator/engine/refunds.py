"""Refunds of card charges: the charge's refunded amount grows, with charge.refunded and refund events."""

import copy

from .errors import InvalidRequest
from .events import emit
from .state import State


def refund_object(*, id: str, charge: dict, amount: int, created: int, reason: str | None,
                  metadata: dict | None) -> dict:
    """A succeeded `refund` of (part of) a charge."""
    return {"id": id, "object": "refund", "amount": amount, "balance_transaction": None, "charge": charge["id"],
            "created": created, "currency": charge["currency"], "destination_details": {
                "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number",
                         "type": "refund"}, "type": "card"},
            "metadata": dict(metadata or {}), "payment_intent": charge["payment_intent"], "reason": reason,
            "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": None}


def create_refund(state: State, p: dict, *, origin=(None, None)) -> dict:
    """Refund a charge (named, or its intent's latest), in full or `amount` of what is left."""
    if p.get("charge"):
        charge = state.store.require("charge", p["charge"], "charge", in_body=True)
    elif p.get("payment_intent"):
        intent = state.store.require("payment_intent", p["payment_intent"], "payment_intent", in_body=True)
        if not intent["latest_charge"]:
            raise InvalidRequest(f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                                 param="payment_intent", code="charge_not_refundable")
        charge = state.store.require("charge", intent["latest_charge"])
    else:
        raise InvalidRequest("One of the following params should be provided for this request: payment_intent or "
                             "charge.")
    left = charge["amount_captured"] - charge["amount_refunded"]
    if charge["status"] != "succeeded" or charge["refunded"] or left <= 0:
        raise InvalidRequest(f"Charge {charge['id']} has already been refunded." if charge["refunded"] else
                             f"Charge {charge['id']} cannot be refunded: it has not succeeded.",
                             code="charge_already_refunded" if charge["refunded"] else "charge_not_refundable")
    amount = p.get("amount", left)
    if amount > left:
        raise InvalidRequest(f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left}).",
                             param="amount", code="amount_too_large")
    at = state.now()
    refund = state.store.add(refund_object(id=state.new_id("re"), charge=charge, amount=amount, created=at,
                                           reason=p.get("reason"), metadata=p.get("metadata")))
    old = copy.deepcopy(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
    emit(state, "charge.refunded", charge, at=at, old=old, origin=origin)
    emit(state, "refund.created", refund, at=at, origin=origin)
    return refund


def update_refund(state: State, refund: dict, metadata: dict, *, origin=(None, None)) -> dict:
    """A refund's metadata changed: charge.refund.updated and refund.updated."""
    old = copy.deepcopy(refund)
    for key, value in metadata.items():
        if value == "":
            refund["metadata"].pop(key, None)
        else:
            refund["metadata"][key] = value
    emit(state, "charge.refund.updated", refund, at=state.now(), old=old, origin=origin)
    emit(state, "refund.updated", refund, at=state.now(), old=old, origin=origin)
    return refund
