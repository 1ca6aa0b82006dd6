"""How a bank debit (SEPA or ACH) ends after `processing`: when, and whether it settles, fails or is disputed, by the
test IBAN (simulator/sepa.py) or test account number (simulator/ach.py) it came from; any other account settles as a
live debit would, days later."""

import copy

from .. import ach, sepa
from ..sepa import Outcome
from .disputes import dispute_object
from .events import emit
from .payments import Payment, settle
from .state import State

SETTLES = Outcome("succeeded", sepa.SETTLE_DELAY)
# Per debit type: its test outcomes by fingerprint, and how any other account's debit ends.
TABLES = {"sepa_debit": (sepa.BY_FINGERPRINT, SETTLES),
          "us_bank_account": (ach.BY_FINGERPRINT, Outcome("succeeded", ach.SETTLE_DELAY))}
# Stripe's charge.failure_message per failure code (a plain failed test IBAN gives none).
FAILURE_MESSAGES = {
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "charge_exceeds_source_limit": "This payment would exceed the weekly payment volume limit of the account.",
    "charge_exceeds_weekly_limit": "This payment exceeds the transaction volume limit of the account.",
    "account_closed": "The customer's bank account has been closed.",
    "no_account": "The customer's bank account could not be located.",
    "debit_not_authorized": "The customer has notified their bank that this payment was unauthorized.",
    "invalid_currency": "The bank was unable to process this payment because of its currency.",
}


def outcome_of(pm: dict) -> Outcome:
    """What a debit from this `sepa_debit` or `us_bank_account` payment method comes to, and after how long."""
    outcomes, otherwise = TABLES[pm["type"]]
    return outcomes.get(pm[pm["type"]]["fingerprint"], otherwise)


def schedule_end(state: State, pm: dict, timeline: str | None, at: int, kind: str, target: str) -> None:
    """Schedule the job that ends a debit confirmed at `at`: at once after `processing` for an immediate test
    account (it runs right after the request that confirmed it), minutes or days later otherwise."""
    state.schedule(timeline, at + outcome_of(pm).delay, kind, target)


def conclude(state: State, payment: Payment, *, at: int) -> bool:
    """End a processing debit as its IBAN says; emits the charge's and the intent's events; True if it settled."""
    pm = state.store.get(payment.charge["payment_method"])
    outcome = outcome_of(pm) if pm is not None else SETTLES
    if outcome.result == "succeeded":
        settle(state, payment, at=at)
        if outcome.disputed:
            _dispute(state, payment.charge, at=at)
        return True
    _fail(state, payment, pm, outcome.failure_code, at=at)
    return False


def _fail(state: State, payment: Payment, pm: dict | None, code: str | None, *, at: int) -> None:
    charge, intent = payment.charge, payment.intent
    charge.update(status="failed", paid=False, failure_code=code, failure_message=FAILURE_MESSAGES.get(code))
    error = {"code": "payment_intent_payment_attempt_failed",
             "doc_url": "https://stripe.com/docs/error-codes/payment-intent-payment-attempt-failed",
             "message": "The payment failed.", "payment_method": copy.deepcopy(pm), "type": "invalid_request_error"}
    intent.update(status="requires_payment_method", payment_method=None, last_payment_error=error,
                  amount_received=0)
    emit(state, "charge.failed", charge, at=at)
    emit(state, "payment_intent.payment_failed", intent, at=at)


def _dispute(state: State, charge: dict, *, at: int) -> None:
    # A debit's dispute is final (no evidence, no appeal); Stripe details no debit in payment_method_details.
    dispute = dispute_object(id=state.new_id("du"), charge=charge, created=at, case_type="chargeback",
                             status="lost")
    del dispute["payment_method_details"]
    dispute.update(reason="general", is_charge_refundable=False)
    state.store.add(dispute)
    charge["disputed"] = True
    emit(state, "charge.dispute.created", dispute, at=at)
