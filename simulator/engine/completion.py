"""Paying a Checkout Session: customer, payment, subscription and invoice, with Stripe's event fan-out."""

import copy

from ..objects.customers import customer_details
from ..objects.payments import payment_intent_object
from .billing import attempt, item_lines
from .checkout import still_redeemable, totals
from .customers import create_customer
from .discounts import new_discount, redeem
from .errors import CardDeclined, InvalidRequest
from .events import emit
from .invoices import amount_due, finalize, line, new_invoice
from .debits import conclude, schedule_end
from .payments import (DECLINE_MESSAGES, Payment, card_number, check_card, emit_payment, new_payment_method,
                       number_of, pay, pay_delayed)
from .state import State
from .subscriptions import new_item, new_subscription

DEFAULT_EMAIL = "customer@example.com"


def complete(state: State, session: dict, card: str = "4242 4242 4242 4242", *, email: str | None = None,
             name: str | None = None, method: str = "card", pm: dict | None = None) -> dict:
    """Pay an open session with a test card or a saved card `pm` (or `method="sepa_debit"`: a debit from `pm`, else
    from an IBAN that settles days later)."""
    # Completion is automatic on Stripe's side, so none of its events names a request.
    if session["status"] != "open":
        raise InvalidRequest(f"This Checkout Session is not open (its status is {session['status']}).")
    if method == "sepa_debit":
        return _debit_later(state, session, email=email, name=name, pm=pm)
    if method != "card":
        raise InvalidRequest(f"The fake Stripe pays with `card` or `sepa_debit`, not `{method}`.", param="method")
    number = number_of(pm) if pm is not None else card_number(card)
    _, decline = check_card(number)
    customer = state.store.get(session["customer"]) if session["customer"] else None
    at = state.now(customer["test_clock"] if customer else None)
    email = (customer or {}).get("email") or session["customer_email"] or email or DEFAULT_EMAIL
    name = (customer or {}).get("name") or name
    still_redeemable(state, session, customer, at)
    if decline is not None:
        _declined(state, session, customer, number, at=at, email=email)
        raise CardDeclined(DECLINE_MESSAGES[decline], decline)
    session["customer_details"] = customer_details(email, name)
    if session["mode"] == "subscription":
        _subscribe(state, session, customer, number, at=at, email=email, name=name, pm=pm)
    else:
        _pay_once(state, session, customer, number, at=at, email=email, name=name, pm=pm)
    return session


def _declined(state: State, session: dict, customer: dict | None, number: str, *, at: int, email: str) -> None:
    # Since basil a failed subscription Checkout leaves no trace; a payment-mode one leaves a failed intent.
    if session["mode"] != "payment":
        return
    pm = new_payment_method(state, number, at=at, email=email)
    payment = pay(state, amount=totals(state, session).total, currency=session["currency"],
                  customer=customer["id"] if customer else None, pm=pm, at=at,
                  metadata=session["payment_intent_metadata"], email=email)
    emit_payment(state, payment, at=at)


def _coupon_and_code(state: State, discount: dict) -> tuple[dict, dict | None]:
    """The coupon (its copy once deleted) and promotion code a session's discount came from."""
    coupon = state.store.get(discount["source"]["coupon"]) or discount["coupon"]
    return coupon, state.store.get(discount["promotion_code"]) if discount["promotion_code"] else None


def _redeem(state: State, session: dict, customer: dict | None) -> None:
    """A payment-mode session paid: its discounts count their redemptions, for its customer if it has one."""
    for id in session["discounts"]:
        discount = state.store.get(id)
        discount["customer"] = customer["id"] if customer else None
        redeem(*_coupon_and_code(state, discount))


def _created_view(intent: dict) -> dict:
    """How a payment intent looked when payment_intent.created went out, before it was confirmed."""
    return payment_intent_object(id=intent["id"], amount=intent["amount"], currency=intent["currency"],
                                 created=intent["created"], customer=intent["customer"], latest_charge=None,
                                 payment_method=None, status="requires_payment_method",
                                 metadata=intent["metadata"], description=intent["description"])


def _subscribe(state: State, session: dict, customer: dict | None, number: str, *, at: int, email: str,
               name: str | None, pm: dict | None = None) -> None:
    """Basil+: the subscription is created after the payment succeeds; checkout.session.completed comes first."""
    new_customer = customer is None
    if new_customer:
        customer = create_customer(state, {"email": email, "name": name}, at=at, quiet=True)
    created_customer = copy.deepcopy(customer)
    if pm is None:
        pm = new_payment_method(state, number, at=at, customer=customer["id"], email=email, name=name)
    pm["customer"] = customer["id"]
    recurring = [i for i in session["line_items"] if state.store.get(i["price"])["recurring"]]
    one_time = [i for i in session["line_items"] if not state.store.get(i["price"])["recurring"]]
    items = [new_item(state, state.store.get(i["price"]), i["quantity"], i["own_tax_rates"], at) for i in recurring]
    sub = new_subscription(state, customer, items, at=at, currency=session["currency"],
                           metadata=session["subscription_metadata"], default_tax_rates=session["default_tax_rates"],
                           payment_method=pm["id"])
    # The subscription gets discounts of its own (redeemed now), so its invoices follow the coupons' durations.
    own = [new_discount(state, *_coupon_and_code(state, state.store.get(id)), at=at, customer=customer["id"],
                        subscription=sub["id"]) for id in session["discounts"]]
    sub["discounts"] = [d["id"] for d in own]
    lines = item_lines(state, sub, tuple(sub["period"])) + [
        line(state, price=state.store.get(i["price"]), quantity=i["quantity"], amount=i["amount"], period=(at, at),
             tax_rate=i["tax_rate"]) for i in one_time]
    invoice = new_invoice(state, customer, lines=lines, billing_reason="subscription_create",
                          currency=session["currency"], at=at, subscription=sub)
    sub["latest_invoice"] = invoice["id"]
    payment = pay(state, amount=amount_due(state, invoice), currency=session["currency"], customer=customer["id"],
                  pm=pm, at=at, description="Subscription creation", email=email)
    emit(state, "charge.succeeded", payment.charge, at=at)
    emit(state, "payment_method.attached", pm, at=at)
    if new_customer:
        emit(state, "customer.created", created_customer, at=at)
    customer["invoice_settings"]["default_payment_method"] = pm["id"]
    emit(state, "customer.updated", customer, at=at, old=created_customer)
    session.update(status="complete", payment_status="paid", customer=customer["id"], subscription=sub["id"],
                   invoice=invoice["id"])
    emit(state, "checkout.session.completed", session, at=at)
    emit(state, "customer.subscription.created", sub, at=at)
    for discount in own:
        emit(state, "customer.discount.created", discount, at=at)
    emit(state, "payment_intent.created", _created_view(payment.intent), at=at)
    emit(state, "payment_intent.succeeded", payment.intent, at=at)
    emit(state, "invoice.created", invoice, at=at)
    finalize(state, invoice, at=at)
    attempt(state, invoice, at=at, payment=payment)


def _pay_once(state: State, session: dict, customer: dict | None, number: str, *, at: int, email: str,
              name: str | None, pm: dict | None = None) -> None:
    """Payment mode: no customer unless asked for, no invoice unless invoice_creation is enabled."""
    wants_customer = session["customer_creation"] == "always" or session["invoice_creation"]
    new_customer = customer is None and wants_customer
    if new_customer:
        customer = create_customer(state, {"email": email, "name": name}, at=at, quiet=True)
    pm = pm or new_payment_method(state, number, at=at, email=email, name=name)
    payment = pay(state, amount=totals(state, session).total, currency=session["currency"],
                  customer=customer["id"] if customer else None, pm=pm, at=at,
                  metadata=session["payment_intent_metadata"], description=session["payment_intent_description"],
                  email=email)
    _redeem(state, session, customer)
    emit(state, "payment_intent.created", _created_view(payment.intent), at=at)
    emit(state, "charge.succeeded", payment.charge, at=at)
    emit(state, "payment_intent.succeeded", payment.intent, at=at)
    if new_customer:
        emit(state, "customer.created", customer, at=at)
    invoice = None
    if session["invoice_creation"]:
        lines = [line(state, price=state.store.get(i["price"]), quantity=i["quantity"], amount=i["amount"],
                      period=(at, at), tax_rate=i["tax_rate"]) for i in session["line_items"]]
        invoice = new_invoice(state, customer, lines=lines, billing_reason="manual", currency=session["currency"],
                              at=at)
        invoice["discounts"] = list(session["discounts"])  # the session's, not the customer's: what was paid
    session.update(status="complete", payment_status="paid", payment_intent=payment.intent["id"],
                   customer=customer["id"] if customer else None, invoice=invoice["id"] if invoice else None)
    emit(state, "checkout.session.completed", session, at=at)
    if invoice is not None:
        emit(state, "invoice.created", invoice, at=at)
        finalize(state, invoice, at=at)
        attempt(state, invoice, at=at, payment=payment)
    # The balance transaction is booked after the charge succeeded: that is what charge.updated reports.
    old = copy.deepcopy(payment.charge)
    payment.charge["balance_transaction"] = state.new_id("txn")
    emit(state, "charge.updated", payment.charge, at=at, old=old)


def _debit_later(state: State, session: dict, *, email: str | None, name: str | None, pm: dict | None) -> dict:
    """A delayed notification method: completed `unpaid` now, async_payment_succeeded (or _failed) when the debit
    ends."""
    if session["mode"] != "payment" or session["invoice_creation"]:
        raise InvalidRequest("The fake Stripe debits SEPA only for payment-mode sessions without invoice creation.",
                             param="method")
    customer = state.store.get(session["customer"]) if session["customer"] else None
    at = state.now(customer["test_clock"] if customer else None)
    email = (customer or {}).get("email") or session["customer_email"] or email or DEFAULT_EMAIL
    still_redeemable(state, session, customer, at)
    payment = pay_delayed(state, amount=totals(state, session).total, currency=session["currency"],
                          customer=customer["id"] if customer else None, at=at, email=email, name=name,
                          metadata=session["payment_intent_metadata"],
                          description=session["payment_intent_description"], pm=pm)
    session["customer_details"] = customer_details(email, name)
    _redeem(state, session, customer)
    emit(state, "payment_intent.created", payment.intent, at=at)
    emit(state, "payment_intent.processing", payment.intent, at=at)
    emit(state, "charge.pending", payment.charge, at=at)
    session.update(status="complete", payment_status="unpaid", payment_intent=payment.intent["id"])
    emit(state, "checkout.session.completed", session, at=at)
    pm = state.store.get(payment.charge["payment_method"])
    schedule_end(state, pm, customer["test_clock"] if customer else None, at, "settle_debit", session["id"])
    return session


def settle_debit(state: State, session_id: str, due: int) -> None:
    """The debit of a session ended: the payment's events, then checkout.session.async_payment_succeeded (the
    session `paid`) or checkout.session.async_payment_failed (it stays `unpaid`)."""
    session = state.store.get(session_id)
    intent = state.store.get(session["payment_intent"] or "") if session else None
    if intent is None or intent["status"] != "processing":
        return
    if conclude(state, Payment(intent, state.store.get(intent["latest_charge"])), at=due):
        session["payment_status"] = "paid"
        emit(state, "checkout.session.async_payment_succeeded", session, at=due)
    else:
        emit(state, "checkout.session.async_payment_failed", session, at=due)


def redirect_url(session: dict) -> str | None:
    """Where Checkout sends the buyer after paying: success_url with {CHECKOUT_SESSION_ID} filled in."""
    url = session["success_url"]
    return url.replace("{CHECKOUT_SESSION_ID}", session["id"]) if url else None


JOBS = {"settle_debit": settle_debit}
