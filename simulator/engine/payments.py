"""Card payments: Stripe's test cards, payment methods, payment intents and charges."""

import copy
import hashlib
from dataclasses import dataclass

from ..objects.payments import charge_object, payment_intent_object
from ..sepa import LIVE_LIKE_IBAN, fingerprint
from .bank_accounts import us_bank_account_payment_method
from .errors import CardDeclined, InvalidRequest
from .events import emit
from .state import State

# Stripe's test card numbers: number -> (brand, decline code or None).
TEST_CARDS = {
    "4242424242424242": ("visa", None), "4000056655665556": ("visa", None),
    "5555555555554444": ("mastercard", None), "378282246310005": ("amex", None),
    "4000000000000002": ("visa", "generic_decline"), "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000069": ("visa", "expired_card"),
    # Attaching succeeds, every charge fails: how tests make a renewal fail.
    "4000000000000341": ("visa", "generic_decline"),
    # Succeed once authenticated (3D Secure); the charge needs the customer first.
    "4000002760003184": ("visa", None), "4000000000003220": ("visa", None),
    # Succeed, then the cardholder disputes the charge (a fraud dispute, or an inquiry).
    "4000000000000259": ("visa", None), "4000000000001976": ("visa", None),
    # Succeed with the funds available at once.
    "4000000000000077": ("visa", None),
}
# The test PaymentMethod ids Stripe accepts in place of a card number.
TEST_TOKENS = {
    "pm_card_visa": "4242424242424242", "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005", "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069", "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_visa_chargeDeclined": "4000000000000002", "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220", "pm_card_createDispute": "4000000000000259",
    "pm_card_createDisputeInquiry": "4000000000001976", "pm_card_bypassPending": "4000000000000077",
}
# Last four digits of the cards whose payments need 3D Secure authentication first.
AUTHENTICATE = frozenset({"3184", "3220"})
# Stripe's test card tokens (what `card[token]` takes when creating a payment method).
CARD_TOKENS = {"tok_" + name[len("pm_card_"):]: number for name, number in TEST_TOKENS.items()}
DECLINE_MESSAGES = {"generic_decline": "Your card was declined.",
                    "insufficient_funds": "Your card has insufficient funds.",
                    "expired_card": "Your card has expired."}
# A saved card is recognised by its last four digits; its charges decline with this code.
_OUTCOME_BY_LAST4 = {number[-4:]: outcome for number, (_, outcome) in TEST_CARDS.items()}
# Declining cards cannot even be attached, except 0341, whose later charges are what fail.
_ATTACH_FAILS = {"0002", "9995", "0069"}


@dataclass
class Payment:
    """One card payment attempt: its stored intent and charge."""

    intent: dict
    charge: dict

    @property
    def succeeded(self) -> bool:
        """Whether the charge went through."""
        return self.charge["status"] == "succeeded"


def card_number(text: str) -> str:
    """A card number as typed (spaces and dashes allowed), digits only."""
    return "".join(ch for ch in text if ch.isdigit())


def check_card(number: str) -> tuple[str, str | None]:
    """(brand, decline code) for a test card, or Stripe's error for anything else."""
    if number not in TEST_CARDS:
        if not _luhn(number):
            raise CardDeclined("Your card number is incorrect.", "incorrect_number", param="number")
        raise CardDeclined("Your card was declined. Your request was in test mode, but used a non test card. "
                           "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
                           "test_mode_live_card")
    return TEST_CARDS[number]


def _luhn(number: str) -> bool:
    digits = [int(d) for d in number[::-1]]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return len(number) >= 12 and total % 10 == 0


def payment_method_object(*, id: str, number: str, created: int, customer: str | None,
                          email: str | None = None, name: str | None = None) -> dict:
    """A card `payment_method`."""
    brand, _ = TEST_CARDS[number]
    return {
        "id": id, "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {"city": None, "country": "CH", "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": email, "name": name, "phone": None, "tax_id": None},
        "card": {"brand": brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                            "cvc_check": "pass"},
                 "country": "US", "display_brand": brand, "exp_month": 12, "exp_year": 2034,
                 "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16], "funding": "credit",
                 "generated_from": None, "last4": number[-4:],
                 "networks": {"available": [brand], "preferred": None}, "regulated_status": "unregulated",
                 "three_d_secure_usage": {"supported": True}, "wallet": None},
        "created": created, "customer": customer, "livemode": False, "metadata": {}, "type": "card",
    }


def sepa_payment_method_object(*, id: str, created: int, customer: str | None, email: str | None,
                               name: str | None, iban: str = LIVE_LIKE_IBAN) -> dict:
    """A `sepa_debit` `payment_method` for an IBAN (by default one that settles three days later)."""
    return {
        "id": id, "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {"city": None, "country": iban[:2], "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": email, "name": name, "phone": None, "tax_id": None},
        "created": created, "customer": customer, "livemode": False, "metadata": {},
        "sepa_debit": {"bank_code": iban[4:12], "branch_code": "", "country": iban[:2],
                       "fingerprint": fingerprint(iban),
                       "generated_from": {"charge": None, "setup_attempt": None}, "last4": iban[-4:]},
        "type": "sepa_debit",
    }


def sepa_details(pm: dict) -> dict:
    """A SEPA debit charge's `payment_method_details`."""
    keys = ("bank_code", "branch_code", "country", "fingerprint", "last4")
    return {"sepa_debit": {k: pm["sepa_debit"][k] for k in keys} | {"mandate": None}, "type": "sepa_debit"}


def pay_delayed(state: State, *, amount: int, currency: str, customer: str | None, at: int, email: str | None,
                name: str | None, metadata: dict | None = None, description: str | None = None,
                pm: dict | None = None) -> Payment:
    """A SEPA debit from `pm` (else a new one of an IBAN that settles days later): the intent is `processing`
    and the charge `pending` until the debit ends (the caller emits)."""
    if pm is None:
        pm = state.store.add(sepa_payment_method_object(id=state.new_id("pm"), created=at, customer=customer,
                                                        email=email, name=name))
    intent_id, charge_id = state.new_id("pi"), state.new_id("ch")
    charge = charge_object(id=charge_id, amount=amount, currency=currency, created=at, customer=customer,
                           payment_intent=intent_id, payment_method=pm["id"], email=email, metadata=metadata,
                           description=description)
    charge.update(status="pending", paid=False, captured=True, payment_method_details=sepa_details(pm))
    charge["outcome"].update(network_status="approved_by_network", seller_message="Payment pending.")
    intent = payment_intent_object(id=intent_id, amount=amount, currency=currency, created=at, customer=customer,
                                   latest_charge=charge_id, payment_method=pm["id"], status="processing",
                                   metadata=metadata, description=description, receipt_email=email)
    intent.update(amount_received=0, payment_method_types=["sepa_debit"],
                  payment_method_options={"sepa_debit": {}})
    state.store.add(intent)
    state.store.add(charge)
    return Payment(intent, charge)


def settle(state: State, payment: Payment, *, at: int) -> None:
    """A pending debit went through: the charge succeeds, then the intent; emits both events."""
    payment.charge.update(status="succeeded", paid=True)
    payment.charge["outcome"]["seller_message"] = "Payment complete."
    payment.intent.update(status="succeeded", amount_received=payment.intent["amount"])
    emit(state, "charge.succeeded", payment.charge, at=at)
    emit(state, "payment_intent.succeeded", payment.intent, at=at)


def new_payment_method(state: State, number: str, *, at: int, customer: str | None = None,
                       email: str | None = None, name: str | None = None) -> dict:
    """Store a card payment method (no event: attaching emits payment_method.attached)."""
    pm = payment_method_object(id=state.new_id("pm"), number=number, created=at, customer=customer,
                               email=email, name=name)
    return state.store.add(pm)


def decline_of(pm: dict) -> str | None:
    """The decline code charges on this saved card get (None: they succeed)."""
    return _OUTCOME_BY_LAST4.get(pm["card"]["last4"])


def pay(state: State, *, amount: int, currency: str, customer: str | None, pm: dict, at: int,
        metadata: dict | None = None, description: str | None = None, email: str | None = None,
        intent: dict | None = None) -> Payment:
    """One card payment: a new charge on `intent` (a retry of an invoice's payment) or on a new intent."""
    if pm["type"] != "card":
        raise InvalidRequest(f"The fake Stripe charges invoices to cards only; {pm['id']} is a {pm['type']} "
                             "payment method.", param="payment_method")
    decline = decline_of(pm)
    intent_id = intent["id"] if intent is not None else state.new_id("pi")
    charge_id = state.new_id("ch")
    if intent is not None:
        metadata, description, email = intent["metadata"], intent["description"], intent["receipt_email"]
    charge = charge_object(id=charge_id, amount=amount, currency=currency, created=at, customer=customer,
                           payment_intent=intent_id, payment_method=pm["id"], email=email,
                           last4=pm["card"]["last4"], succeeded=decline is None, metadata=metadata,
                           description=description)
    if decline is not None:
        charge.update(failure_code="card_declined", failure_message=DECLINE_MESSAGES[decline])
        charge["outcome"]["reason"] = decline
    error = None if decline is None else {
        "charge": charge_id, "code": "card_declined", "decline_code": decline,
        "message": DECLINE_MESSAGES[decline], "type": "card_error"}
    if error is not None:
        # A legacy card source is named as the source it is (its stand-in here is not a whole payment method).
        source = state.store.get(pm["id"]) if pm["id"].startswith("card_") else None
        error.update({"source": copy.deepcopy(source)} if source else {"payment_method": copy.deepcopy(pm)})
    fresh = payment_intent_object(
        id=intent_id, amount=amount, currency=currency, created=at if intent is None else intent["created"],
        customer=customer, latest_charge=charge_id, payment_method=pm["id"] if decline is None else None,
        status="succeeded" if decline is None else "requires_payment_method", metadata=metadata,
        description=description, receipt_email=email, last_payment_error=error)
    if intent is None:
        intent = state.store.add(fresh)
    else:
        # Stripe confirms the same intent again: only what a new attempt changes moves.
        intent.update({k: fresh[k] for k in ("amount", "amount_received", "latest_charge", "payment_method",
                                             "status", "last_payment_error")})
    state.store.add(charge)
    return Payment(intent, charge)


def emit_payment(state: State, payment: Payment, *, at: int, origin=(None, None), created: bool = True) -> None:
    """payment_intent.created (for a new intent), the charge event and the intent's outcome event."""
    if created:
        emit(state, "payment_intent.created", payment.intent, at=at, origin=origin)
    if payment.succeeded:
        emit(state, "charge.succeeded", payment.charge, at=at, origin=origin)
        emit(state, "payment_intent.succeeded", payment.intent, at=at, origin=origin)
    else:
        emit(state, "charge.failed", payment.charge, at=at, origin=origin)
        emit(state, "payment_intent.payment_failed", payment.intent, at=at, origin=origin)


def attach(state: State, pm_or_token: str, customer: dict, *, at: int, origin=(None, None),
           param: str = "id") -> dict:
    """Attach a payment method (or a test token such as pm_card_visa) to a customer."""
    if pm_or_token in TEST_TOKENS:
        pm = new_payment_method(state, TEST_TOKENS[pm_or_token], at=at, email=customer["email"])
    else:
        pm = state.store.require("payment_method", pm_or_token, param, in_body=param != "id")
        if pm["customer"] not in (None, customer["id"]):
            raise InvalidRequest("The payment method you provided has already been attached to a customer.",
                                 param=param)
    if pm["type"] == "card" and pm["card"]["last4"] in _ATTACH_FAILS:
        code = decline_of(pm)
        raise CardDeclined(DECLINE_MESSAGES[code], code)
    pm["customer"] = customer["id"]
    emit(state, "payment_method.attached", pm, at=at, origin=origin)
    return pm


def number_of(pm: dict) -> str:
    """The test card number behind a saved card (test cards differ in their last four digits)."""
    return next(number for number in TEST_CARDS if number[-4:] == pm["card"]["last4"])


def card_payment_method(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A card payment method from a test token (`card[token]=tok_visa`) or a test card number; a `sepa_debit`
    one from an IBAN, a `us_bank_account` one from an account and routing number."""
    if p["type"] == "sepa_debit":
        return _sepa_payment_method(state, p)
    if p["type"] == "us_bank_account":
        return us_bank_account_payment_method(state, p)
    card = p.get("card") or {}
    if card.get("token"):
        if card["token"] not in CARD_TOKENS:
            raise InvalidRequest(f"No such token: '{card['token']}'", param="card[token]")
        number = CARD_TOKENS[card["token"]]
    elif card.get("number"):
        number = card_number(card["number"])
        check_card(number)
    else:
        raise InvalidRequest("Missing required param: card.", param="card")
    details = p.get("billing_details") or {}
    pm = new_payment_method(state, number, at=state.now(), email=details.get("email"),
                            name=details.get("name"))
    pm["metadata"] = p.get("metadata") or {}
    return pm


def detach(state: State, pm: dict, *, origin=(None, None)) -> dict:
    """Detach a payment method from its customer; emits payment_method.detached."""
    if pm["customer"] is None:
        raise InvalidRequest("The payment method you provided is not attached to a customer so detachment is "
                             "impossible.")
    old = copy.deepcopy(pm)
    pm["customer"] = None
    emit(state, "payment_method.detached", pm, at=state.now(), old=old, origin=origin)
    return pm


def update_payment_method(state: State, pm: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata merges, billing details replace; emits payment_method.updated."""
    old = copy.deepcopy(pm)
    for key, value in (p.get("metadata") or {}).items():
        if value == "":
            pm["metadata"].pop(key, None)
        else:
            pm["metadata"][key] = value
    details = p.get("billing_details") or {}
    pm["billing_details"].update({k: details[k] for k in ("email", "name", "phone") if k in details})
    if "address" in details:
        pm["billing_details"]["address"].update(details["address"] or {})
    emit(state, "payment_method.updated", pm, at=state.now(), old=old, origin=origin)
    return pm


def check_payment_method(state: State, customer: dict, pm_id: str | None, param: str) -> None:
    """Refuse a default payment method that is not attached to this customer."""
    if pm_id is None:
        return
    pm = state.store.require("payment_method", pm_id, param, in_body=True)
    if pm["customer"] != customer["id"]:
        raise InvalidRequest(f"The customer does not have a payment method with the ID {pm_id}. The payment "
                             "method must be attached to the customer.", param=param)


def _sepa_payment_method(state: State, p: dict) -> dict:
    iban = "".join((p.get("sepa_debit") or {}).get("iban", "").split()).upper()
    if not iban:
        raise InvalidRequest("Missing required param: sepa_debit[iban].", param="sepa_debit[iban]")
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:].isalnum()
            and int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1):
        raise InvalidRequest("The IBAN you provided appears to be invalid.", param="sepa_debit[iban]",
                             code="invalid_bank_account_iban")
    details = p.get("billing_details") or {}
    pm = sepa_payment_method_object(id=state.new_id("pm"), created=state.now(), customer=None,
                                    email=details.get("email"), name=details.get("name"), iban=iban)
    pm["metadata"] = p.get("metadata") or {}
    return state.store.add(pm)


def chargeable(obj: dict | None) -> dict | None:
    """What a charge needs of a payment method; a legacy card source (`card_…`) charges as one, as on Stripe."""
    if obj is None or obj["object"] != "card":
        return obj
    return {"id": obj["id"], "object": "payment_method", "type": "card", "customer": obj["customer"],
            "card": {"last4": obj["last4"], "brand": obj["brand"].lower()}}
