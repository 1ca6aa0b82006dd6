"""Invoices and pending invoice items: drafts, finalization, payment attempts, rendering per version."""

from ..objects.invoices import invoice_line_object, invoice_object
from ..tax import LineTax, line_tax
from .discounts import applicable, line_amounts, render_discount
from .events import emit
from .payments import Payment, emit_payment, pay
from .prices import in_currency
from .state import State


def line(state: State, *, price: dict, quantity: int, amount: int, period: tuple[int, int],
         tax_rate: str | None, subscription_item: str | None = None, proration: bool = False,
         description: str | None = None) -> dict:
    """One invoice line as stored (rendered with the invoice)."""
    return {"id": state.new_id("il"), "price": price["id"], "quantity": quantity, "amount": amount,
            "period": list(period), "tax_rate": tax_rate, "subscription_item": subscription_item,
            "proration": proration, "description": description}


def line_taxes(state: State, lines: list[dict], offs: list[list[tuple]] | None = None) -> list[tuple[LineTax, dict | None]]:
    """Each line's tax under its tax rate (percentage and inclusive never change, so this is stable), on what its
    discounts (`offs`, per line) leave; the subtotal stays the line's amount before discounts."""
    out = []
    for index, item in enumerate(lines):
        rate = state.store.get(item["tax_rate"]) if item["tax_rate"] else None
        off = sum(amount for _, amount in offs[index]) if offs else 0
        tax = line_tax(item["amount"] - off, rate["percentage"] if rate else None, rate["inclusive"] if rate else False)
        out.append((LineTax(item["amount"], tax.tax, tax.total, tax.taxable_amount, tax.inclusive) if off else tax,
                    rate))
    return out


def invoice_taxes(state: State, invoice: dict) -> tuple[list[tuple[LineTax, dict | None]], list[list[tuple]]]:
    """An invoice's line taxes after its discounts, and each line's (discount id, amount off) pairs."""
    offs = line_amounts(state, invoice.get("discounts") or [], [item["amount"] for item in invoice["lines"]],
                        invoice["currency"])
    return line_taxes(state, invoice["lines"], offs), offs


def amount_due(state: State, invoice: dict) -> int:
    """What the customer pays, less discounts and credit notes (never below zero; a credit stays on the
    customer's balance)."""
    return max(sum(tax.total for tax, _ in invoice_taxes(state, invoice)[0]) - invoice.get("pre_payment_credit", 0),
               0)


def new_invoice(state: State, customer: dict, **fields) -> dict:
    """Store a draft invoice (the caller emits invoice.created)."""
    return state.store.add(invoice_record(state, customer, **fields))


def invoice_record(state: State, customer: dict, *, lines: list[dict], billing_reason: str, currency: str, at: int,
                   subscription: dict | None = None, metadata: dict | None = None,
                   period: tuple[int, int] | None = None, id: str | None = None) -> dict:
    """A draft invoice as stored, not stored yet (a preview is never stored)."""
    return {
        "id": id or state.new_id("in"), "object": "invoice", "customer": customer["id"],
        "customer_email": customer["email"], "customer_name": customer["name"], "currency": currency,
        "billing_reason": billing_reason, "status": "draft", "created": at, "number": None, "lines": lines,
        "subscription": subscription["id"] if subscription else None,
        "subscription_metadata": dict(subscription["metadata"]) if subscription else None,
        "default_tax_rates": list(subscription["default_tax_rates"]) if subscription else [],
        "finalized_at": None, "paid_at": None, "attempt_count": 0, "next_payment_attempt": None,
        "payment_intent": None, "charge": None, "test_clock": customer["test_clock"],
        "metadata": dict(metadata or {}), "period": list(period or (at, at)),
        "discounts": applicable(state, customer, subscription, at),
    }


def finalize(state: State, invoice: dict, *, at: int, origin=(None, None)) -> None:
    """Draft → open with the customer's next invoice number; emits invoice.finalized."""
    customer = state.store.get(invoice["customer"])
    sequence = customer["next_invoice_sequence"] if customer else 1
    if customer:
        customer["next_invoice_sequence"] = sequence + 1
    prefix = customer["invoice_prefix"] if customer else "SIMPLEX1"
    invoice.update(status="open", finalized_at=at, number=f"{prefix}-{sequence:04d}")
    emit(state, "invoice.finalized", invoice, at=at, origin=origin)


def collect(state: State, invoice: dict, pm: dict | None, *, at: int, origin=(None, None),
            payment: Payment | None = None, description: str | None = None) -> bool:
    """Charge an open invoice (or record a payment already made); emits the payment and invoice events."""
    total = amount_due(state, invoice)
    if payment is None and total > 0 and pm is not None:
        # A retry confirms the invoice's own PaymentIntent again; only the first attempt creates one.
        intent = state.store.get(invoice["payment_intent"]) if invoice["payment_intent"] else None
        payment = pay(state, amount=total, currency=invoice["currency"], customer=invoice["customer"], pm=pm,
                      at=at, description=description, email=invoice["customer_email"], intent=intent)
        emit_payment(state, payment, at=at, origin=origin, created=intent is None)
    paid = total == 0 or (payment is not None and payment.succeeded)
    invoice["attempt_count"] += 1
    if payment is not None:
        invoice.update(payment_intent=payment.intent["id"], charge=payment.charge["id"])
    if paid:
        invoice.update(status="paid", paid_at=at, next_payment_attempt=None)
        emit(state, "invoice.paid", invoice, at=at, origin=origin)
        emit(state, "invoice.payment_succeeded", invoice, at=at, origin=origin)
    else:
        emit(state, "invoice.payment_failed", invoice, at=at, origin=origin)
    return paid


def void(state: State, invoice: dict, *, at: int, origin=(None, None)) -> None:
    """Open → void: nothing more is collected; emits invoice.voided."""
    invoice.update(status="void", voided_at=at, next_payment_attempt=None)
    emit(state, "invoice.voided", invoice, at=at, origin=origin)


def invoice_item_object(state: State, *, customer: dict, subscription: dict, item_id: str, price: dict,
                        amount: int, period: tuple[int, int], description: str, at: int,
                        tax_rates: list[str] = ()) -> dict:
    """A pending proration `invoiceitem`, billed on the subscription's next invoice (taxed as its item is)."""
    return {
        "id": state.new_id("ii"), "object": "invoiceitem", "amount": amount, "currency": subscription["currency"],
        "customer": customer["id"], "date": at, "description": description, "discountable": False,
        "discounts": [], "invoice": None, "livemode": False, "metadata": {}, "net_amount": amount,
        "parent": {"subscription_details": {"subscription": subscription["id"], "subscription_item": item_id},
                   "type": "subscription_details"},
        "period": {"end": period[1], "start": period[0]},
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]}, "type": "price_details",
                    "unit_amount_decimal": str(amount)},
        "proration": True, "proration_details": {"discount_amounts": []}, "quantity": 1, "quantity_decimal": "1",
        "tax_rates": list(tax_rates), "test_clock": customer["test_clock"],
    }


def render_invoice_item(state: State, record: dict, version: str) -> dict:
    """An `invoiceitem` with its tax rates as objects (stored as ids, so a rate's later changes show)."""
    rates = [state.store.get(id) for id in record["tax_rates"]]
    return {**record, "tax_rates": [rate for rate in rates if rate]}


def render_invoice(state: State, record: dict, version: str) -> dict:
    """The `invoice` in `version`'s shape, lines and totals included."""
    rendered, (taxes, offs) = [], invoice_taxes(state, record)
    for item, (tax, rate) in zip(record["lines"], taxes):
        price = state.store.get(item["price"])
        product = state.store.get(price["product"])
        rendered.append(invoice_line_object(
            id=item["id"], invoice=record["id"], price=in_currency(price, record["currency"]),
            product_name=product["name"] if product else price["product"], period=tuple(item["period"]),
            tax=tax, tax_rate=rate, version=version, quantity=item["quantity"],
            subscription=record["subscription"] if item["subscription_item"] else None,
            subscription_item=item["subscription_item"], proration=item["proration"],
            description=item["description"]))
    default_rates = [state.store.get(id) for id in record["default_tax_rates"]]
    invoice = invoice_object(
        id=record["id"], customer=record["customer"], customer_email=record["customer_email"],
        customer_name=record["customer_name"], lines=rendered, taxes=taxes, currency=record["currency"],
        billing_reason=record["billing_reason"], status=record["status"], created=record["created"],
        version=version, number=record["number"], subscription=record["subscription"],
        subscription_metadata=record["subscription_metadata"], default_tax_rates=[r for r in default_rates if r],
        finalized_at=record["finalized_at"], paid_at=record["paid_at"], attempt_count=record["attempt_count"],
        next_payment_attempt=record["next_payment_attempt"], payment_intent=record["payment_intent"],
        charge=record["charge"], test_clock=record["test_clock"], metadata=record["metadata"],
        period_start=record["period"][0], period_end=record["period"][1])
    _show_discounts(state, invoice, record, offs, version)
    total = sum(t.total for t, _ in taxes)
    if total < 0:
        # A net credit is not collected: it goes to the customer's balance and nothing is due.
        invoice.update(amount_due=0, amount_remaining=0, ending_balance=total if record["finalized_at"] else None)
    invoice["attempted"] = record["attempt_count"] > 0
    if record.get("voided_at") is not None:
        invoice["status_transitions"]["voided_at"] = record["voided_at"]
    # One-off invoices (invoicing.py) keep what their creator chose.
    invoice.update({k: record[k] for k in ("description", "collection_method", "due_date", "auto_advance")
                    if k in record})
    credit = record.get("pre_payment_credit", 0)
    if credit:
        invoice["pre_payment_credit_notes_amount"] = credit
        invoice["amount_due"] = max(invoice["amount_due"] - credit, 0)
        if invoice["status"] != "paid":
            invoice["amount_remaining"] = invoice["amount_due"]
    if record.get("marked_uncollectible_at") is not None:
        invoice["status_transitions"]["marked_uncollectible_at"] = record["marked_uncollectible_at"]
    return invoice


def _show_discounts(state: State, invoice: dict, record: dict, offs: list[list[tuple]], version: str) -> None:
    """The invoice's discounts, what each took off each line and in all (the totals already count them)."""
    ids = list(record.get("discounts") or [])
    totals = {id: 0 for id in ids}
    for rendered, line_offs in zip(invoice["lines"]["data"], offs):
        rendered["discount_amounts"] = [{"amount": amount, "discount": id} for id, amount in line_offs]
        for id, amount in line_offs:
            totals[id] += amount
    invoice["discounts"] = ids
    invoice["total_discount_amounts"] = [{"amount": amount, "discount": id} for id, amount in totals.items()]
    if any(totals.values()):
        # Stripe's subtotals stay before discounts; only the totals are discounted.
        plain = line_taxes(state, record["lines"])
        invoice["subtotal_excluding_tax"] = sum(t.net for t, _ in plain)
    if "discount" in invoice:  # the pre-basil shape: its first discount, expanded
        first = state.store.get(ids[0]) if ids else None
        invoice["discount"] = render_discount(state, first, version) if first else None


RENDERERS = {"invoice": render_invoice, "invoiceitem": render_invoice_item}
VERSIONED = frozenset({"invoice"})
