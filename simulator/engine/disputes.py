"""Disputes the test cards open after a successful charge (a fraud chargeback, or an inquiry): update, close."""

import copy

from .errors import InvalidRequest
from .events import emit
from .state import State

# Last four digits of the test cards whose charges are disputed -> (case type, opening status).
DISPUTING = {"0259": ("chargeback", "needs_response"), "1976": ("inquiry", "warning_needs_response")}
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text")
CLOSED = {"needs_response": "lost", "warning_needs_response": "warning_closed",
          "under_review": "lost", "warning_under_review": "warning_closed"}
RESPONSE_WINDOW = 7 * 86400


def dispute_object(*, id: str, charge: dict, created: int, case_type: str, status: str) -> dict:
    """A `dispute` of a whole card charge."""
    return {"id": id, "object": "dispute", "amount": charge["amount"], "balance_transactions": [],
            "charge": charge["id"], "created": created, "currency": charge["currency"],
            "enhanced_eligibility_types": [],
            "evidence": {**{k: None for k in EVIDENCE_FIELDS}, "enhanced_evidence": {}},
            "evidence_details": {"due_by": created + RESPONSE_WINDOW, "enhanced_eligibility": {},
                                 "has_evidence": False, "past_due": False, "submission_count": 0},
            "is_charge_refundable": case_type == "inquiry", "livemode": False, "metadata": {},
            "payment_intent": charge["payment_intent"],
            "payment_method_details": {"card": {"brand": "visa", "case_type": case_type, "network": "visa",
                                                "network_reason_code": "10.4"}, "type": "card"},
            "reason": "fraudulent" if case_type == "chargeback" else "general", "status": status}


def dispute_if_asked(state: State, charge: dict, last4: str, *, at: int) -> dict | None:
    """Open the dispute a disputing test card asks for (charge.dispute.created), after the charge succeeded."""
    if last4 not in DISPUTING:
        return None
    case_type, status = DISPUTING[last4]
    dispute = state.store.add(dispute_object(id=state.new_id("du"), charge=charge, created=at,
                                             case_type=case_type, status=status))
    charge["disputed"] = True
    emit(state, "charge.dispute.created", dispute, at=at)
    return dispute


def update_dispute(state: State, dispute: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata and evidence (submitted with `submit=true`): charge.dispute.updated."""
    if dispute["status"] in ("lost", "won", "warning_closed"):
        raise InvalidRequest("This dispute is already closed.", code="dispute_already_closed")
    old = copy.deepcopy(dispute)
    for key, value in (p.get("metadata") or {}).items():
        if value == "":
            dispute["metadata"].pop(key, None)
        else:
            dispute["metadata"][key] = value
    for key, value in (p.get("evidence") or {}).items():
        if key in EVIDENCE_FIELDS:
            dispute["evidence"][key] = value
            dispute["evidence_details"]["has_evidence"] = True
    if p.get("submit"):
        dispute["evidence_details"]["submission_count"] += 1
        dispute["status"] = "warning_under_review" if dispute["status"].startswith("warning") else "under_review"
    emit(state, "charge.dispute.updated", dispute, at=state.now(), old=old, origin=origin)
    return dispute


def close_dispute(state: State, dispute: dict, *, origin=(None, None)) -> dict:
    """Accept the dispute: it is lost (an inquiry just closes); charge.dispute.closed."""
    if dispute["status"] not in CLOSED:
        raise InvalidRequest("This dispute is already closed.", code="dispute_already_closed")
    old = copy.deepcopy(dispute)
    dispute.update(status=CLOSED[dispute["status"]], is_charge_refundable=False)
    emit(state, "charge.dispute.closed", dispute, at=state.now(), old=old, origin=origin)
    return dispute
