"""The billing cycle: renewals, finalization an hour later, dunning retries, prorations and period restarts."""

import copy
from datetime import datetime, timezone

from ..objects.payments import payment_intent_object
from ..periods import period as month_period
from .discounts import expire as expire_discounts
from .errors import ActionRequired, CardDeclined, InvalidRequest, ResourceMissing
from .events import emit
from .invoices import amount_due, collect, finalize, invoice_item_object, invoice_record, line, new_invoice, void
from .payment_intents import authentication_step
from .payments import AUTHENTICATE, DECLINE_MESSAGES, chargeable, check_payment_method
from .prices import unit_amount
from .rendering import render
from .state import State

HOUR, DAY = 3600, 86400
# Renewal invoices are finalized and charged about an hour after invoice.created.
FINALIZE_DELAY = HOUR
# An API-created subscription whose first payment failed waits this long for it.
INCOMPLETE_EXPIRES = 23 * HOUR
# Dunning attempts after the first failure (days after finalization); smart retries spread them over ~2 weeks.
RETRY_DAYS = (3, 5, 7)
LIVE = ("active", "past_due", "trialing", "unpaid")
SECONDS = {"day": DAY, "week": 7 * DAY}


def period_for(anchor: int, cycle: int, recurring: dict) -> tuple[int, int]:
    """Billing cycle `cycle` of a price's interval, anchored at `anchor` (Stripe's month arithmetic)."""
    unit, count = recurring["interval"], recurring["interval_count"]
    if unit in SECONDS:
        length = SECONDS[unit] * count
        return anchor + cycle * length, anchor + (cycle + 1) * length
    return month_period(anchor, cycle, count * (12 if unit == "year" else 1))


def interval_of(state: State, sub: dict) -> dict:
    """The (shared) recurring interval of a subscription's items."""
    return state.store.get(sub["items"][0]["price"])["recurring"]


def tax_rate_of(item: dict, sub: dict) -> str | None:
    """The rate taxing an item: its own, else the subscription's default."""
    rates = item["tax_rates"] or sub["default_tax_rates"]
    return rates[0] if rates else None


def item_lines(state: State, sub: dict, span: tuple[int, int]) -> list[dict]:
    """One invoice line per subscription item for the period `span`."""
    out = []
    for item in sub["items"]:
        price = state.store.get(item["price"])
        out.append(line(state, price=price, quantity=item["quantity"],
                        amount=unit_amount(price, sub["currency"]) * item["quantity"], period=span,
                        tax_rate=tax_rate_of(item, sub), subscription_item=item["id"]))
    return out


def payment_method_for(state: State, sub: dict) -> dict | None:
    """The card a subscription's invoices are charged to."""
    customer = state.store.get(sub["customer"]) or {"invoice_settings": {}}
    pm_id = (sub["default_payment_method"] or customer["invoice_settings"].get("default_payment_method")
             or customer.get("default_source"))
    return chargeable(state.store.get(pm_id)) if pm_id else None


def set_status(state: State, sub: dict, status: str, *, at: int, origin=(None, None)) -> None:
    """Change a subscription's status; emits customer.subscription.updated."""
    old = copy.deepcopy(sub)
    sub["status"] = status
    emit(state, "customer.subscription.updated", sub, at=at, old=old, origin=origin)


def expire_incomplete(state: State, sub_id: str, due: int) -> None:
    """23 hours on, an `incomplete` subscription whose first invoice is unpaid ends as `incomplete_expired`."""
    sub = state.store.get(sub_id)
    if sub is None or sub["status"] != "incomplete":
        return
    old = copy.deepcopy(sub)
    sub.update(status="incomplete_expired", ended_at=due, canceled_at=due)
    emit(state, "customer.subscription.updated", sub, at=due, old=old)
    invoice = state.store.get(sub["latest_invoice"] or "")
    if invoice is not None and invoice["status"] == "open":
        void(state, invoice, at=due)


def end_subscription(state: State, sub: dict, *, at: int, origin=(None, None),
                     reason: str = "cancellation_requested") -> None:
    """The subscription is over: canceled now; emits customer.subscription.deleted."""
    sub["status"], sub["ended_at"] = "canceled", at
    sub["canceled_at"] = sub["canceled_at"] or at
    sub["cancellation_reason"] = sub["cancellation_reason"] or reason
    emit(state, "customer.subscription.deleted", sub, at=at, origin=origin)
    if sub.get("schedule") and "schedule_subscription_ended" in state.runners:
        # Run now, not queued: the schedule ends with its subscription, in the same request or clock move.
        state.runners["schedule_subscription_ended"](state, sub["schedule"], at)


def renew(state: State, sub_id: str, due: int) -> None:
    """At period end: cancel if scheduled, else advance the period and draft the cycle invoice."""
    sub = state.store.get(sub_id)
    if sub is None or sub["status"] not in LIVE or sub["period"][1] != due:
        return  # canceled, or its period moved (plan change): this job is stale
    if sub["cancel_at_period_end"]:
        end_subscription(state, sub, at=due)
        return
    next_cycle(state, sub, due)


def next_cycle(state: State, sub: dict, due: int, *, old: dict | None = None) -> None:
    """Advance to the next period and draft its cycle invoice, finalized an hour later (`old`: the subscription
    before the caller's own changes, so one customer.subscription.updated shows them all)."""
    old, previous = old or copy.deepcopy(sub), tuple(sub["period"])
    expire_discounts(state, state.store.get(sub["customer"]), sub, due)
    sub["cycle"] += 1
    sub["period"] = list(period_for(sub["anchor"], sub["cycle"], interval_of(state, sub)))
    pending = _pending(state, sub)
    invoice = new_invoice(state, state.store.get(sub["customer"]),
                          **cycle_invoice(state, sub, previous, tuple(sub["period"])))
    for ii in pending:
        ii["invoice"] = invoice["id"]
    sub["pending_items"], sub["latest_invoice"] = [], invoice["id"]
    emit(state, "customer.subscription.updated", sub, at=due, old=old)
    emit(state, "invoice.created", invoice, at=due)
    # Stripe finalizes and charges cycle invoices about an hour after invoice.created.
    state.schedule(sub["test_clock"], due + FINALIZE_DELAY, "finalize", invoice["id"])
    state.schedule(sub["test_clock"], sub["period"][1], "renew", sub["id"])


def _pending(state: State, sub: dict) -> list[dict]:
    """The subscription's invoice items not on an invoice yet (prorations), for its next cycle invoice."""
    return [ii for ii in (state.store.get(id) for id in sub["pending_items"]) if ii and ii["invoice"] is None]


def cycle_invoice(state: State, sub: dict, ended: tuple[int, int], upcoming: tuple[int, int], **extra) -> dict:
    """The fields of the cycle invoice for the period `ended`: pending items, then the items for `upcoming`."""
    lines = [_pending_line(state, ii) for ii in _pending(state, sub)] + item_lines(state, sub, upcoming)
    return {"lines": lines, "billing_reason": "subscription_cycle", "currency": sub["currency"], "at": ended[1],
            "subscription": sub, "period": ended, **extra}


def _pending_line(state: State, ii: dict) -> dict:
    details = ii["parent"]["subscription_details"]
    sub = state.store.get(details["subscription"])
    item = next((i for i in sub["items"] if i["id"] == details["subscription_item"]), sub["items"][0])
    price = state.store.get(ii["pricing"]["price_details"]["price"])
    return line(state, price=price, quantity=1, amount=ii["amount"],
                period=(ii["period"]["start"], ii["period"]["end"]), tax_rate=tax_rate_of(item, sub),
                subscription_item=details["subscription_item"], proration=True, description=ii["description"])


def finalize_and_charge(state: State, invoice_id: str, due: int) -> None:
    """The cycle invoice's hour is up: finalize it and attempt payment."""
    invoice = state.store.get(invoice_id)
    if invoice is None or invoice["status"] != "draft":
        return
    finalize(state, invoice, at=due)
    attempt(state, invoice, at=due)


def retry(state: State, invoice_id: str, due: int) -> None:
    """A dunning retry of an open subscription invoice."""
    invoice = state.store.get(invoice_id)
    sub = state.store.get(invoice["subscription"] or "") if invoice else None
    if invoice is None or invoice["status"] != "open" or sub is None or sub["status"] not in LIVE:
        return
    attempt(state, invoice, at=due)


def attempt(state: State, invoice: dict, *, at: int, origin=(None, None), payment=None) -> bool:
    """Charge an open invoice; failures mark the subscription past_due, retry, and finally cancel it. Without a
    payment method there is nothing to retry (Stripe's retry docs): the invoice stays open, the subscription
    past_due, and no dunning ends it."""
    sub = state.store.get(invoice["subscription"] or "")
    pm = payment_method_for(state, sub) if sub else None
    number = invoice["attempt_count"] + 1
    retry_at = invoice["finalized_at"] + RETRY_DAYS[number - 1] * DAY if number <= len(RETRY_DAYS) else None
    retry_at = retry_at if pm is not None or sub is None else None
    invoice["next_payment_attempt"] = retry_at if amount_due(state, invoice) > 0 else None
    reason = {"subscription_create": "Subscription creation"}.get(invoice["billing_reason"], "Subscription update")
    paid = collect(state, invoice, pm, at=at, origin=origin, payment=payment, description=reason)
    if sub is None:
        return paid
    if paid:
        if sub["status"] == "past_due":
            set_status(state, sub, "active", at=at)
        return True
    if sub["status"] == "active":
        set_status(state, sub, "past_due", at=at)
    if retry_at is not None:
        state.schedule(sub["test_clock"], retry_at, "retry", invoice["id"])
    elif pm is not None:
        end_subscription(state, sub, at=at, reason="payment_failed")
    return False


def pay_invoice(state: State, invoice: dict, pm: dict | None, *, at: int, origin=(None, None)) -> bool:
    """An attempt asked for by the API (POST /v1/invoices/{id}/pay): a paid first invoice activates an
    `incomplete` subscription, a paid open one ends `past_due`; a failure leaves the dunning schedule alone."""
    if invoice["status"] == "draft":
        finalize(state, invoice, at=at, origin=origin)
    sub = state.store.get(invoice["subscription"] or "")
    paid = collect(state, invoice, pm, at=at, origin=origin,
                   description="Subscription creation" if invoice["billing_reason"] == "subscription_create"
                   else "Subscription update" if sub else None)
    if paid and sub is not None and sub["status"] in ("incomplete", "past_due", "unpaid"):
        # The renewal scheduled at creation still stands: renew() skips only subscriptions that are not live.
        set_status(state, sub, "active", at=at, origin=origin)
    return paid


def proration_lines(state: State, sub: dict, pairs: list[tuple[dict | None, dict | None]], at: int) -> list[dict]:
    """Credit for the unused time of each replaced item and charge for the rest of the period on the new one."""
    start, end = sub["period"]
    fraction = max(end - at, 0) / max(end - start, 1)
    day = datetime.fromtimestamp(at, tz=timezone.utc).strftime("%d %b %Y")
    out = []
    for before, after in pairs:
        for item, sign, words in ((before, -1, "Unused time on"), (after, 1, "Remaining time on")):
            if item is None:
                continue
            price = state.store.get(item["price"])
            product = state.store.get(price["product"])
            amount = sign * round(unit_amount(price, sub["currency"]) * item["quantity"] * fraction)
            out.append(line(state, price=price, quantity=item["quantity"], amount=amount, period=(at, end),
                            tax_rate=tax_rate_of(item, sub), subscription_item=item["id"], proration=True,
                            description=f"{words} {item['quantity']} × {product['name']} after {day}"))
    return out


def bill_change(state: State, sub: dict, pairs: list, behavior: str, *, at: int,
                interval_changed: bool) -> tuple[dict | None, list[dict]]:
    """Invoice or itemize a plan change; returns (immediate invoice, pending invoice items) as drafts."""
    customer = state.store.get(sub["customer"])
    if interval_changed:
        # A new interval restarts the period now and is invoiced at once, less credit for unused time.
        credits = [] if behavior == "none" else proration_lines(state, sub, [(b, None) for b, _ in pairs], at)
        sub.update(anchor=at, cycle=0, period=list(period_for(at, 0, interval_of(state, sub))))
        state.schedule(sub["test_clock"], sub["period"][1], "renew", sub["id"])
        lines = credits + item_lines(state, sub, tuple(sub["period"]))
        return new_invoice(state, customer, lines=lines, billing_reason="subscription_update",
                           currency=sub["currency"], at=at, subscription=sub), []
    if behavior == "none":
        return None, []
    lines = proration_lines(state, sub, pairs, at)
    if behavior == "always_invoice":
        return new_invoice(state, customer, lines=lines, billing_reason="subscription_update",
                           currency=sub["currency"], at=at, subscription=sub), []
    items = []
    # proration_lines makes one line per item of each pair, in this order: each carries its item's tax rates.
    sources = [item for pair in pairs for item in pair if item is not None]
    for item_line, source in zip(lines, sources, strict=True):
        price = state.store.get(item_line["price"])
        ii = invoice_item_object(state, customer=customer, subscription=sub, item_id=item_line["subscription_item"],
                                 price=price, amount=item_line["amount"], period=tuple(item_line["period"]),
                                 description=item_line["description"], at=at,
                                 tax_rates=source["tax_rates"])
        items.append(state.store.add(ii))
        sub["pending_items"].append(ii["id"])
    return None, items


def charge_now(state: State, invoice: dict, *, at: int, origin=(None, None)) -> None:
    """Emit a new invoice's lifecycle at once: created, finalized, then the payment attempt."""
    emit(state, "invoice.created", invoice, at=at, origin=origin)
    finalize(state, invoice, at=at, origin=origin)
    attempt(state, invoice, at=at, origin=origin)


def pay_now(state: State, invoice: dict, p: dict, *, origin=(None, None)) -> None:
    """Charge a draft or open invoice now (`payment_method`, else the subscription's or the customer's default);
    a decline raises CardDeclined after its events, as Stripe answers 402."""
    if invoice["status"] == "paid":
        raise InvalidRequest("Invoice is already paid.")
    if invoice["status"] not in ("draft", "open"):
        raise InvalidRequest(f"This invoice can no longer be paid: it is {invoice['status']}.")
    customer = state.store.get(invoice["customer"])
    sub = state.store.get(invoice["subscription"] or "")
    if p.get("payment_method"):
        check_payment_method(state, customer, p["payment_method"], "payment_method")
        pm = state.store.get(p["payment_method"])
    else:
        pm = payment_method_for(state, sub) if sub else None
        if pm is None and customer["invoice_settings"].get("default_payment_method"):
            pm = state.store.get(customer["invoice_settings"]["default_payment_method"])
    if pm is None and amount_due(state, invoice) > 0:
        raise InvalidRequest("This customer has no attached payment source or default payment method.",
                             param="payment_method")
    at = state.now(invoice["test_clock"])
    if pm is not None and pm["type"] == "card" and pm["card"]["last4"] in AUTHENTICATE and amount_due(state, invoice):
        _await_authentication(state, invoice, pm, at=at, origin=origin)
    if not pay_invoice(state, invoice, pm, at=at, origin=origin):
        charge = state.store.get(invoice["charge"])
        code = charge["outcome"]["reason"]
        raise CardDeclined(DECLINE_MESSAGES.get(code, "Your card was declined."), code, charge=charge["id"])


def _await_authentication(state: State, invoice: dict, pm: dict, *, at: int, origin) -> None:
    """A card that needs 3D Secure: the invoice's intent waits for the customer (invoice.payment_action_required)
    and the request answers 402, as Stripe's does."""
    if invoice["status"] == "draft":
        finalize(state, invoice, at=at, origin=origin)
    intent = payment_intent_object(id=state.new_id("pi"), amount=amount_due(state, invoice),
                                   currency=invoice["currency"], created=at, customer=invoice["customer"],
                                   latest_charge=None, payment_method=pm["id"], status="requires_action",
                                   receipt_email=invoice["customer_email"])
    intent["next_action"] = authentication_step(intent, None)
    state.store.add(intent)
    invoice["attempt_count"] += 1
    invoice["payment_intent"] = intent["id"]
    emit(state, "payment_intent.created", intent, at=at, origin=origin)
    emit(state, "payment_intent.requires_action", intent, at=at, origin=origin)
    emit(state, "invoice.payment_action_required", invoice, at=at, origin=origin)
    raise ActionRequired("This payment requires additional user action before it can be completed successfully. "
                         "Payment can be completed using the PaymentIntent associated with the invoice.",
                         code="invoice_payment_intent_requires_action",
                         payment_intent=render(state, intent, state.default_version))


def preview(state: State, p: dict) -> dict:
    """The cycle invoice the engine will draft at the subscription's period end (its items for the next period,
    pending prorations first), never stored."""
    if p.get("subscription"):
        sub = state.store.get(p["subscription"])
        if sub is None or sub["object"] != "subscription":
            raise ResourceMissing("subscription", p["subscription"], "subscription", in_body=True)
        if p.get("customer") and p["customer"] != sub["customer"]:
            raise InvalidRequest(f"The subscription {sub['id']} does not belong to customer {p['customer']}.",
                                 param="subscription")
    elif p.get("customer"):
        customer = state.store.get(p["customer"])
        if customer is None or customer["object"] != "customer":
            raise ResourceMissing("customer", p["customer"], "customer", in_body=True)
        live = [s for s in state.store.all("subscription") if s["customer"] == customer["id"] and s["status"] in LIVE]
        sub = live[-1] if live else None
    else:
        raise InvalidRequest("Must provide at least one of `customer`, `subscription` or `schedule`.")
    if sub is None or sub["status"] not in LIVE or sub["cancel_at_period_end"]:
        whose = f"subscription: {sub['id']}" if sub else f"customer: {p['customer']}"
        raise InvalidRequest(f"No upcoming invoices for {whose}", code="invoice_upcoming_none", http_status=404)
    if p.get("currency") and p["currency"] != sub["currency"]:
        raise InvalidRequest(f"The subscription is billed in {sub['currency']}, not {p['currency']}.",
                             param="currency")
    ended = tuple(sub["period"])
    upcoming = period_for(sub["anchor"], sub["cycle"] + 1, interval_of(state, sub))
    record = invoice_record(state, state.store.get(sub["customer"]),
                            **cycle_invoice(state, sub, ended, upcoming, id="upcoming_" + state.new_id("in")))
    return record


JOBS = {"renew": renew, "finalize": finalize_and_charge, "retry": retry, "expire_incomplete": expire_incomplete}
