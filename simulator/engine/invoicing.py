"""One-off invoicing: invoice items (an amount, or a price) and the invoices they go on — draft, update,
finalize, send, void, mark uncollectible, delete — each with the events Stripe sends."""

import copy

from ..objects.catalogue import price_object, product_object
from .discounts import new_discount, resolve
from .errors import InvalidRequest
from .events import emit
from .invoices import collect, finalize, line, new_invoice, void
from .metadata import merge_metadata
from .prices import currency_options_of, unit_amount
from .rendering import deleted
from .state import State

DAY = 86400


def create_item(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A pending invoice item of a customer (or an item on a draft invoice); emits invoiceitem.created."""
    if p.get("discounts"):  # accepted, they would be ignored while the item says discounted
        raise InvalidRequest("The fake Stripe does not simulate discounts on invoice items; put them on the "
                             "invoice (`discounts`).", param="discounts")
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    invoice = _draft(state, p["invoice"], "invoice") if p.get("invoice") else None
    at = state.now(customer["test_clock"])
    quantity = p.get("quantity", 1)
    price_id = p.get("price") or (p.get("pricing") or {}).get("price")
    if price_id:
        price = state.store.require("price", price_id, "price", in_body=True)
        currency = p.get("currency", price["currency"])
        amount = unit_amount(price, currency) * quantity
    elif "amount" in p:
        if not p.get("currency"):
            raise InvalidRequest("Missing required param: currency.", param="currency", code="parameter_missing")
        currency, amount = p["currency"].lower(), p["amount"]
        price = _inline_price(state, amount, currency, p.get("description"), at=at)
    else:
        raise InvalidRequest("You must specify either `amount` or `pricing[price]`.", param="amount")
    if invoice is not None and invoice["currency"] != currency:
        raise InvalidRequest(f"The invoice is in {invoice['currency']}; this item is in {currency}.", param="currency")
    period = p.get("period") or {}
    item = {
        "id": state.new_id("ii"), "object": "invoiceitem", "amount": amount, "currency": currency,
        "customer": customer["id"], "date": at, "description": p.get("description") or "Invoice item",
        "discountable": p.get("discountable", True), "discounts": [], "invoice": None, "livemode": False,
        "metadata": dict(p.get("metadata") or {}), "net_amount": amount, "parent": None,
        "period": {"end": period.get("end", at), "start": period.get("start", at)},
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
                    "unit_amount_decimal": str(amount // max(quantity, 1))},
        "proration": False, "proration_details": {"discount_amounts": []}, "quantity": quantity,
        "quantity_decimal": str(quantity), "tax_rates": list(p.get("tax_rates") or []),
        "test_clock": customer["test_clock"],
    }
    state.store.add(item)
    emit(state, "invoiceitem.created", item, at=at, origin=origin)
    if invoice is not None:
        _put_on(state, invoice, [item])
    return item


def _inline_price(state: State, amount: int, currency: str, description: str | None, *, at: int) -> dict:
    """The one-off price (and product) Stripe makes behind an item given as an amount: inactive, no events."""
    product = state.store.add(product_object(id=state.new_id("prod"), name=description or "Invoice item",
                                             created=at, active=False))
    price = price_object(id=state.new_id("price"), product=product["id"], currency=currency, unit_amount=amount,
                         created=at, active=False)
    # What a price holds beyond its shown fields, as create_price stores it: `expand[]` may ask for either.
    price.update(currency_options=currency_options_of({}, currency, amount, price["tax_behavior"]), tiers=[])
    return state.store.add(price)


def _draft(state: State, invoice_id: str, param: str) -> dict:
    invoice = state.store.require("invoice", invoice_id, param, in_body=True)
    if invoice["status"] != "draft":
        raise InvalidRequest(f"Invoice {invoice_id} is {invoice['status']}: only a draft invoice can change.",
                             param=param, code="invoice_not_editable")
    return invoice


def _put_on(state: State, invoice: dict, items: list[dict]) -> None:
    for item in items:
        item["invoice"] = invoice["id"]
        price = state.store.get(item["pricing"]["price_details"]["price"])
        invoice["lines"].append(line(state, price=price, quantity=item["quantity"], amount=item["amount"],
                                     period=(item["period"]["start"], item["period"]["end"]),
                                     tax_rate=(item["tax_rates"] or [None])[0], description=item["description"]))


def delete_item(state: State, item: dict, *, origin=(None, None)) -> dict:
    """Delete a pending item (or one on a draft invoice); emits invoiceitem.deleted."""
    if item["parent"] is not None:
        raise InvalidRequest("The fake Stripe deletes one-off invoice items only, not a subscription's prorations.")
    if item["invoice"]:
        invoice = _draft(state, item["invoice"], "invoice")
        invoice["lines"] = [ln for ln in invoice["lines"] if ln["description"] != item["description"]
                            or ln["amount"] != item["amount"]]
    state.store.remove(item["id"])
    emit(state, "invoiceitem.deleted", item, at=state.now(item["test_clock"]), origin=origin)
    return deleted(item["id"], "invoiceitem")


def create_invoice(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A draft one-off invoice; `pending_invoice_items_behavior=include` takes the customer's pending items."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    if p.get("subscription"):
        raise InvalidRequest("The fake Stripe drafts subscription invoices itself; it does not invoice a "
                             "subscription on request.", param="subscription")
    pending = []
    if p.get("pending_invoice_items_behavior") == "include":
        pending = [ii for ii in state.store.all("invoiceitem")
                   if ii["customer"] == customer["id"] and ii["invoice"] is None and ii["parent"] is None]
    method = p.get("collection_method", "charge_automatically")
    if method == "send_invoice" and "days_until_due" not in p and "due_date" not in p:
        raise InvalidRequest("Missing required param: days_until_due (or due_date) for send_invoice invoices.",
                             param="days_until_due", code="parameter_missing")
    currency = (p.get("currency") or (pending[0]["currency"] if pending else "usd")).lower()
    at = state.now(customer["test_clock"])
    # Checked before anything is made; absent, the invoice takes its customer's discount (new_invoice).
    resolved = resolve(state, p.get("discounts") or [], customer, "discounts", at)
    invoice = new_invoice(state, customer, lines=[], billing_reason="manual", currency=currency, at=at,
                          metadata=p.get("metadata"))
    if "discounts" in p:  # its own (`discounts=` unset: none, not even the customer's)
        invoice["discounts"] = [new_discount(state, coupon, promo, at=at, customer=customer["id"],
                                             invoice=invoice["id"])["id"] for coupon, promo in resolved]
    invoice.update(description=p.get("description"), collection_method=method,
                   days_until_due=p.get("days_until_due"), due_date=p.get("due_date"),
                   auto_advance=p.get("auto_advance", False), marked_uncollectible_at=None)
    _put_on(state, invoice, [ii for ii in pending if ii["currency"] == currency])
    emit(state, "invoice.created", invoice, at=at, origin=origin)
    return invoice


def update_invoice(state: State, invoice: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata merges; description, footer fields and due dates replace (drafts and open invoices)."""
    if "discounts" in p:
        raise InvalidRequest("The fake Stripe does not simulate changing an invoice's discounts after it is made.",
                             param="discounts")
    if invoice["status"] not in ("draft", "open"):
        raise InvalidRequest(f"This invoice is {invoice['status']} and can no longer be updated.")
    old = copy.deepcopy(invoice)
    if "metadata" in p:
        invoice["metadata"] = merge_metadata(invoice["metadata"], p["metadata"])
    invoice.update({k: p[k] for k in ("description", "auto_advance", "days_until_due", "due_date") if k in p})
    emit(state, "invoice.updated", invoice, at=state.now(invoice["test_clock"]), old=old, origin=origin)
    return invoice


def finalize_invoice(state: State, invoice: dict, *, origin=(None, None)) -> dict:
    """Draft → open (a zero total is paid at once); a send_invoice invoice gets its due date."""
    _draft(state, invoice["id"], "invoice")
    at = state.now(invoice["test_clock"])
    if invoice.get("collection_method") == "send_invoice" and not invoice.get("due_date"):
        invoice["due_date"] = at + DAY * (invoice.get("days_until_due") or 30)
    finalize(state, invoice, at=at, origin=origin)
    if not invoice["lines"] or sum(ln["amount"] for ln in invoice["lines"]) <= 0:
        collect(state, invoice, None, at=at, origin=origin)
    return invoice


def send_invoice(state: State, invoice: dict, *, origin=(None, None)) -> dict:
    """Email the invoice (a draft is finalized first); emits invoice.sent."""
    if invoice["status"] == "draft":
        finalize_invoice(state, invoice, origin=origin)
    if invoice["status"] != "open":
        raise InvalidRequest(f"You can only send an open invoice; this one is {invoice['status']}.")
    emit(state, "invoice.sent", invoice, at=state.now(invoice["test_clock"]), origin=origin)
    return invoice


def void_invoice(state: State, invoice: dict, *, origin=(None, None)) -> dict:
    """Open (or uncollectible) → void."""
    if invoice["status"] not in ("open", "uncollectible"):
        raise InvalidRequest(f"You can only void an open or uncollectible invoice; this one is {invoice['status']}.")
    void(state, invoice, at=state.now(invoice["test_clock"]), origin=origin)
    return invoice


def mark_uncollectible(state: State, invoice: dict, *, origin=(None, None)) -> dict:
    """Open → uncollectible; emits invoice.marked_uncollectible."""
    if invoice["status"] != "open":
        raise InvalidRequest(f"You can only mark an open invoice uncollectible; this one is {invoice['status']}.")
    at = state.now(invoice["test_clock"])
    invoice.update(status="uncollectible", marked_uncollectible_at=at, next_payment_attempt=None)
    emit(state, "invoice.marked_uncollectible", invoice, at=at, origin=origin)
    return invoice


def delete_invoice(state: State, invoice: dict, *, origin=(None, None)) -> dict:
    """Delete a draft; its items are pending again; emits invoice.deleted."""
    _draft(state, invoice["id"], "invoice")
    if invoice["subscription"]:
        raise InvalidRequest("A subscription's draft invoice cannot be deleted.")
    for item in state.store.all("invoiceitem"):
        if item["invoice"] == invoice["id"]:
            item["invoice"] = None
    state.store.remove(invoice["id"])
    emit(state, "invoice.deleted", invoice, at=state.now(invoice["test_clock"]), origin=origin)
    return deleted(invoice["id"], "invoice")

