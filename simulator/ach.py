"""Stripe's ACH Direct Debit test bank account numbers and what a debit from each does in test mode (facts only).

Transcribed from Stripe's "Accept an ACH Direct Debit payment" guide, section "Test your integration"
(docs.stripe.com/payments/ach-direct-debit/accept-a-payment, as published in 2026): with the test routing number
110000000, one account number whose PaymentIntent goes from `processing` to `succeeded`, one that succeeds "but a
dispute is immediately created", and five that go to `requires_payment_method` with a failure code. Test mode
ends each of them right after `processing`; a live debit takes about four business days.
"""

import hashlib

from .sepa import Outcome

ROUTING_NUMBER = "110000000"  # Stripe's test routing number ("STRIPE TEST BANK")
BANK_NAME = "STRIPE TEST BANK"
TEST_ACCOUNTS: dict[str, Outcome] = {
    "000123456789": Outcome("succeeded"),
    "000555555559": Outcome("succeeded", disputed=True),
    "000111111113": Outcome("failed", failure_code="account_closed"),
    "000111111116": Outcome("failed", failure_code="no_account"),
    "000222222227": Outcome("failed", failure_code="insufficient_funds"),
    "000333333335": Outcome("failed", failure_code="debit_not_authorized"),
    "000444444440": Outcome("failed", failure_code="invalid_currency"),
}
# Stripe's test account number whose microdeposits cannot be sent (microdeposits are not simulated).
MICRODEPOSITS_FAIL = "000666666661"
SETTLE_DELAY = 4 * 86400  # "a payment typically takes 4 business days to arrive"


def fingerprint(routing_number: str, account_number: str) -> str:
    """The `us_bank_account.fingerprint` the fake gives an account (the same account, the same fingerprint)."""
    return hashlib.sha256(f"{routing_number}:{account_number}".encode()).hexdigest()[:16]


# What a debit comes to, by the fingerprint of its account (a payment method keeps the fingerprint, not the number).
BY_FINGERPRINT: dict[str, Outcome] = {fingerprint(ROUTING_NUMBER, number): outcome
                                      for number, outcome in TEST_ACCOUNTS.items()}
