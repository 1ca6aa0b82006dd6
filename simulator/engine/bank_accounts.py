"""ACH Direct Debit (`us_bank_account`): the payment method from an account and routing number, the charge's
details, and what Stripe requires before such a debit is confirmed (a USD amount, a mandate, a verification)."""

from ..ach import BANK_NAME, ROUTING_NUMBER, fingerprint
from .errors import InvalidRequest
from .state import State

OPTIONS_PARAM = "payment_method_options[us_bank_account][verification_method]"
# Verification methods the fake simulates: the test account numbers count as instantly verified.
VERIFIED_BY = ("automatic", "instant")


def _routing_valid(number: str) -> bool:
    # An ABA routing number's checksum: 3, 7, 1 weights over its nine digits.
    return (len(number) == 9 and number.isdigit()
            and sum(int(d) * w for d, w in zip(number, (3, 7, 1) * 3)) % 10 == 0)


def us_bank_account_payment_method(state: State, p: dict) -> dict:
    """Store a `us_bank_account` payment method from `us_bank_account[...]` and `billing_details[name]`."""
    account = p.get("us_bank_account") or {}
    if account.get("financial_connections_account"):
        raise InvalidRequest("The fake Stripe does not simulate Financial Connections; pass "
                             "us_bank_account[account_number] and us_bank_account[routing_number].",
                             param="us_bank_account[financial_connections_account]")
    for key in ("account_number", "routing_number"):
        if not account.get(key):
            raise InvalidRequest(f"Missing required param: us_bank_account[{key}].", param=f"us_bank_account[{key}]")
    number, routing = account["account_number"], account["routing_number"]
    if not (number.isdigit() and 4 <= len(number) <= 17):
        raise InvalidRequest("The account number you provided is invalid.", param="us_bank_account[account_number]",
                             code="account_number_invalid")
    if not _routing_valid(routing):
        raise InvalidRequest(f"Routing number {routing} is invalid.", param="us_bank_account[routing_number]",
                             code="routing_number_invalid")
    details = p.get("billing_details") or {}
    if not details.get("name"):
        raise InvalidRequest("Missing required param: billing_details[name].", param="billing_details[name]")
    address = details.get("address") or {}
    pm = {
        "id": state.new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {k: address.get(k) for k in ("city", "country", "line1", "line2",
                                                                     "postal_code", "state")},
                            "email": details.get("email"), "name": details["name"], "phone": details.get("phone"),
                            "tax_id": None},
        "created": state.now(), "customer": None, "livemode": False, "metadata": p.get("metadata") or {},
        "type": "us_bank_account",
        "us_bank_account": {"account_holder_type": account.get("account_holder_type", "individual"),
                            "account_type": account.get("account_type", "checking"),
                            "bank_name": BANK_NAME if routing == ROUTING_NUMBER else None,
                            "financial_connections_account": None, "fingerprint": fingerprint(routing, number),
                            "last4": number[-4:], "networks": {"preferred": "ach", "supported": ["ach"]},
                            "routing_number": routing, "status_details": {}},
    }
    return state.store.add(pm)


def us_bank_details(pm: dict) -> dict:
    """An ACH debit charge's `payment_method_details`."""
    keys = ("account_holder_type", "account_type", "bank_name", "fingerprint", "last4", "routing_number")
    return {"type": "us_bank_account",
            "us_bank_account": {k: pm["us_bank_account"][k] for k in keys} | {"payment_reference": None}}


def check_debit(pm_type: str | None, currency: str, p: dict, *, confirming: bool) -> None:
    """Refuse what Stripe refuses (or the fake does not simulate) for an ACH debit, before anything changes."""
    options = ((p.get("payment_method_options") or {}).get("us_bank_account") or {})
    method = options.get("verification_method", "automatic")
    if method not in VERIFIED_BY:
        raise InvalidRequest(f"The fake Stripe does not simulate `{method}` verification of bank accounts (no "
                             f"microdeposits); use {OPTIONS_PARAM}=instant or automatic with Stripe's test account "
                             "numbers.", param=OPTIONS_PARAM)
    if pm_type != "us_bank_account":
        return
    if currency.lower() != "usd":
        raise InvalidRequest(f"The currency provided ({currency.lower()}) is invalid. Payments with "
                             "us_bank_account support the following currencies: usd.", param="currency")
    acceptance = (p.get("mandate_data") or {}).get("customer_acceptance")
    if confirming and not acceptance and p.get("off_session") in (None, False, "false"):
        raise InvalidRequest("This PaymentIntent requires a mandate, but no existing mandate was found. Collect "
                             "mandate acceptance from the customer and try again, providing acceptance data in the "
                             "mandate_data parameter.", param="mandate_data")
