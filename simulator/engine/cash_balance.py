"""Customer balance payments: a PaymentIntent waits for a bank transfer, funds arrive in the customer's cash
balance (`fund_cash_balance`), and the balance pays the customer's waiting intents in that currency."""

import hashlib

from ..objects.payments import charge_object
from .balance import funds_arrived
from .errors import InvalidRequest
from .events import emit
from .state import State

# bank transfer type -> (its currency, the financial address type Stripe shows, that address's networks)
TRANSFERS = {"eu_bank_transfer": ("eur", "iban", ["sepa"]), "gb_bank_transfer": ("gbp", "sort_code", ["bacs", "fps"]),
             "jp_bank_transfer": ("jpy", "zengin", ["zengin"]), "mx_bank_transfer": ("mxn", "spei", ["spei"]),
             "us_bank_transfer": ("usd", "aba", ["ach", "domestic_wire_us"])}
TYPE_OF_CURRENCY = {currency: kind for kind, (currency, _, _) in TRANSFERS.items()}
STEP = "display_bank_transfer_instructions"
_ADDRESS = {"city": "Berlin", "country": "DE", "line1": "Simplexstrasse 1", "line2": None, "postal_code": "10115",
            "state": None}


def customer_balance_method(state: State, *, at: int) -> dict:
    """A `customer_balance` payment method (it carries nothing: the customer's cash balance pays)."""
    return state.store.add({
        "id": state.new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {k: None for k in _ADDRESS}, "email": None, "name": None, "phone": None,
                            "tax_id": None},
        "created": at, "customer": None, "customer_balance": {}, "livemode": False, "metadata": {},
        "type": "customer_balance"})


def check_options(options: dict | None, currency: str, customer: dict | None) -> dict:
    """The intent's `payment_method_options.customer_balance`, or InvalidRequest before anything is stored."""
    if customer is None:
        raise InvalidRequest("A customer is required to use the `customer_balance` payment method type. Pass "
                             "`customer` when creating the PaymentIntent.", param="customer")
    options = options or {}
    if options.get("funding_type") != "bank_transfer":
        raise InvalidRequest("`payment_method_options[customer_balance][funding_type]` must be `bank_transfer` "
                             "to confirm with a `customer_balance` payment method.",
                             param="payment_method_options[customer_balance][funding_type]")
    transfer = options.get("bank_transfer") or {}
    kind = transfer.get("type")
    if kind not in TRANSFERS:
        raise InvalidRequest("`payment_method_options[customer_balance][bank_transfer][type]` is required; one of "
                             f"{', '.join(TRANSFERS)}.",
                             param="payment_method_options[customer_balance][bank_transfer][type]")
    if TRANSFERS[kind][0] != currency:
        raise InvalidRequest(f"The currency {currency} is not supported by {kind}; it takes {TRANSFERS[kind][0]} "
                             "only.", param="currency")
    country = (transfer.get("eu_bank_transfer") or {}).get("country")
    if kind == "eu_bank_transfer" and not country:
        raise InvalidRequest("`payment_method_options[customer_balance][bank_transfer][eu_bank_transfer][country]` "
                             "is required for `eu_bank_transfer`.",
                             param="payment_method_options[customer_balance][bank_transfer][eu_bank_transfer]"
                                   "[country]")
    bank_transfer = {"requested_address_types": [TRANSFERS[kind][1]], "type": kind}
    if kind == "eu_bank_transfer":
        bank_transfer["eu_bank_transfer"] = {"country": country}
    return {"bank_transfer": bank_transfer, "funding_type": "bank_transfer"}


def _digits(customer_id: str, n: int) -> str:
    return str(int(hashlib.sha256(customer_id.encode()).hexdigest(), 16))[:n]


def _address(kind: str, customer_id: str, eu_country: str | None) -> dict:
    """The customer's virtual bank account for one transfer type (stable per customer)."""
    _, address_type, networks = TRANSFERS[kind]
    holder = {"account_holder_address": dict(_ADDRESS), "account_holder_name": "Simplex Meeting",
              "bank_address": dict(_ADDRESS)}
    d = _digits(customer_id, 18)
    records = {
        "aba": {"account_number": d[:12], "account_type": "checking", "bank_name": "Simplex Test Bank",
                "routing_number": "110000000"},
        "iban": {"bic": "SXPLDEFFXXX", "country": eu_country or "DE", "iban": f"{eu_country or 'DE'}89{d}"},
        "sort_code": {"account_number": d[:8], "sort_code": "108800"},
        "zengin": {"account_number": d[:7], "account_type": "futsu", "bank_code": "0009", "bank_name": "Simplex Bank",
                   "branch_code": "950", "branch_name": "Simplex Branch"},
        "spei": {"bank_code": "002", "bank_name": "Simplex Banco", "clabe": d[:18]},
    }
    return {address_type: holder | records[address_type], "supported_networks": list(networks),
            "type": address_type}


def await_transfer(state: State, intent: dict, *, at: int, origin) -> dict:
    """Confirm a customer balance intent: the cash balance pays what it can, the rest waits for a transfer."""
    kind = intent["payment_method_options"]["customer_balance"]["bank_transfer"]["type"]
    country = (intent["payment_method_options"]["customer_balance"]["bank_transfer"].get("eu_bank_transfer")
               or {}).get("country")
    intent.update(status="requires_action", amount_received=0, next_action={
        STEP: {"amount_remaining": intent["amount"], "currency": intent["currency"],
               "financial_addresses": [_address(kind, intent["customer"], country)],
               "hosted_instructions_url": f"https://payments.stripe.com/bank_transfers/instructions/{intent['id']}",
               "reference": "SX" + _digits(intent["customer"], 8), "type": kind},
        "type": STEP})
    if _available(state, intent["customer"]).get(intent["currency"], 0) > 0:
        _apply(state, intent, at=at, origin=origin)
    else:
        emit(state, "payment_intent.requires_action", intent, at=at, origin=origin)
    return intent


def _transactions(state: State, customer_id: str) -> list[dict]:
    return [t for t in state.store.all("customer_cash_balance_transaction") if t["customer"] == customer_id]


def _available(state: State, customer_id: str) -> dict[str, int]:
    """currency -> amount held: each currency's latest transaction's ending balance."""
    return {t["currency"]: t["ending_balance"] for t in _transactions(state, customer_id)}


def cash_balance_object(state: State, customer_id: str) -> dict:
    """A customer's `cash_balance` (no `available` until funds first arrive)."""
    return {"object": "cash_balance", "available": _available(state, customer_id) or None, "customer": customer_id,
            "customer_account": None, "livemode": False,
            "settings": {"reconciliation_mode": "automatic", "using_merchant_default": True}}


def _transaction(state: State, customer_id: str, currency: str, net: int, kind: str, detail: dict, *,
                 at: int, origin) -> dict:
    ending = _available(state, customer_id).get(currency, 0) + net
    txn = state.store.add({"id": state.new_id("ccsbtxn"), "object": "customer_cash_balance_transaction",
                           "created": at, "currency": currency, "customer": customer_id, "customer_account": None,
                           "ending_balance": ending, "livemode": False, "net_amount": net, "type": kind,
                           kind: detail})
    emit(state, "customer_cash_balance_transaction.created", txn, at=at, origin=origin)
    return txn


def fund(state: State, customer: dict, p: dict, *, origin=(None, None)) -> dict:
    """Test helper: a bank transfer arrives in the cash balance, which then pays waiting intents, oldest first."""
    currency = p["currency"].lower()
    if currency not in TYPE_OF_CURRENCY:
        raise InvalidRequest(f"Bank transfers in {currency} are not supported; a cash balance takes "
                             f"{', '.join(sorted(TYPE_OF_CURRENCY))}.", param="currency")
    at = state.now(customer["test_clock"])
    kind = TYPE_OF_CURRENCY[currency]
    transfer = {"reference": p.get("reference") or "SX" + _digits(customer["id"], 8), "type": kind}
    if kind == "eu_bank_transfer":
        transfer[kind] = {"bic": "SXPLDEFFXXX", "iban_last4": "0000", "sender_name": "Simplex Sender"}
    elif kind in ("gb_bank_transfer", "jp_bank_transfer", "us_bank_transfer"):
        transfer[kind] = _sender(kind)
    funded = _transaction(state, customer["id"], currency, p["amount"], "funded", {"bank_transfer": transfer},
                          at=at, origin=origin)
    emit(state, "cash_balance.funds_available", cash_balance_object(state, customer["id"]), at=at, origin=origin)
    waiting = [i for i in state.store.all("payment_intent")
               if i["customer"] == customer["id"] and i["currency"] == currency and i["status"] == "requires_action"
               and (i.get("next_action") or {}).get("type") == STEP]
    for intent in sorted(waiting, key=lambda i: i["created"]):
        if _available(state, customer["id"]).get(currency, 0) <= 0:
            break
        _apply(state, intent, at=at, origin=origin)
    return funded


def _sender(kind: str) -> dict:
    if kind == "gb_bank_transfer":
        return {"account_number_last4": "0000", "sender_name": "Simplex Sender", "sort_code": "108800"}
    if kind == "jp_bank_transfer":
        return {"sender_bank": "Simplex Bank", "sender_branch": "Simplex Branch", "sender_name": "Simplex Sender"}
    return {"network": "ach", "sender_name": "Simplex Sender"}


def _apply(state: State, intent: dict, *, at: int, origin) -> None:
    """The cash balance pays all it can of one intent: partly funded, or succeeded with a charge."""
    step = intent["next_action"][STEP]
    paid = min(step["amount_remaining"], _available(state, intent["customer"])[intent["currency"]])
    _transaction(state, intent["customer"], intent["currency"], -paid, "applied_to_payment",
                 {"payment_intent": intent["id"]}, at=at, origin=origin)
    step["amount_remaining"] -= paid
    if step["amount_remaining"] > 0:
        emit(state, "payment_intent.partially_funded", intent, at=at, origin=origin)
        return
    charge = charge_object(id=state.new_id("ch"), amount=intent["amount"], currency=intent["currency"], created=at,
                           customer=intent["customer"], payment_intent=intent["id"],
                           payment_method=intent["payment_method"], email=intent["receipt_email"],
                           metadata=intent["metadata"], description=intent["description"])
    charge["payment_method_details"] = {"customer_balance": {}, "type": "customer_balance"}
    state.store.add(charge)
    intent.update(status="succeeded", next_action=None, latest_charge=charge["id"], amount_received=intent["amount"],
                  last_payment_error=None)
    emit(state, "charge.succeeded", charge, at=at, origin=origin)
    emit(state, "payment_intent.succeeded", intent, at=at, origin=origin)
    funds_arrived(state, charge, at=at)
