"""Invoices and their lines, in the current and the pre-basil shape."""

from ..tax import LineTax
from ..versions import is_pre_basil
from .subscriptions import plan_from_price

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "chf": "CHF "}


def price_label(price: dict) -> str:
    """Stripe's "(at $29.00 / month)" wording for a price."""
    amount = f"{SYMBOLS.get(price['currency'], price['currency'].upper() + ' ')}{price['unit_amount'] / 100:.2f}"
    rec = price.get("recurring")
    if not rec:
        return amount
    count, unit = rec["interval_count"], rec["interval"]
    return f"{amount} / {unit}" if count == 1 else f"{amount} every {count} {unit}s"


def _tax_entry(tax: LineTax, tax_rate: dict) -> dict:
    return {"amount": tax.tax, "tax_behavior": "inclusive" if tax.inclusive else "exclusive",
            "tax_rate_details": {"tax_rate": tax_rate["id"]}, "taxability_reason": "not_available",
            "taxable_amount": tax.taxable_amount, "type": "tax_rate_details"}


def invoice_line_object(*, id: str, invoice: str, price: dict, product_name: str, period: tuple[int, int],
                        tax: LineTax, tax_rate: dict | None, version: str, quantity: int = 1,
                        subscription: str | None = None, subscription_item: str | None = None,
                        proration: bool = False, description: str | None = None) -> dict:
    """An invoice `line_item`; subscription lines point at their subscription item."""
    description = description or f"{quantity} × {product_name} (at {price_label(price)})"
    sub_details = None if subscription is None else {
        "invoice_item": None, "proration": proration, "proration_details": {"credited_items": None},
        "subscription": subscription, "subscription_item": subscription_item}
    line = {
        "id": id, "object": "line_item", "amount": tax.subtotal, "currency": price["currency"],
        "description": description, "discount_amounts": [], "discountable": True, "discounts": [],
        "invoice": invoice, "livemode": False, "metadata": {},
        "parent": {
            "invoice_item_details": None if sub_details else {
                "invoice_item": f"ii_{id[3:]}", "proration": False,
                "proration_details": {"credited_items": None}, "subscription": None},
            "subscription_item_details": sub_details,
            "type": "subscription_item_details" if sub_details else "invoice_item_details"},
        "period": {"end": period[1], "start": period[0]}, "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": price["id"], "product": price["product"]},
                    "type": "price_details", "unit_amount_decimal": price["unit_amount_decimal"]},
        "quantity": quantity, "quantity_decimal": str(quantity), "subscription": subscription,
        "subtotal": tax.subtotal,
        "taxes": [] if tax_rate is None else [_tax_entry(tax, tax_rate)],
    }
    if is_pre_basil(version):
        _line_to_pre_basil(line, price, tax, tax_rate, subscription_item, proration)
    return line


def _line_to_pre_basil(line: dict, price: dict, tax: LineTax, tax_rate: dict | None,
                       subscription_item: str | None, proration: bool) -> None:
    """Put price, plan, proration and tax back where acacia had them."""
    for key in ("parent", "pricing", "taxes", "pretax_credit_amounts", "quantity_decimal", "subtotal"):
        del line[key]
    line.update({
        "amount_excluding_tax": tax.net, "invoice_item": None if subscription_item else f"ii_{line['id'][3:]}",
        "plan": plan_from_price(price) if price.get("recurring") else None, "price": price,
        "proration": proration, "proration_details": {"credited_items": None},
        "subscription_item": subscription_item,
        "tax_amounts": [] if tax_rate is None else [{
            "amount": tax.tax, "inclusive": tax.inclusive, "tax_rate": tax_rate["id"],
            "taxability_reason": None, "taxable_amount": tax.taxable_amount}],
        "tax_rates": [] if tax_rate is None else [tax_rate],
        "type": "subscription" if subscription_item else "invoiceitem",
        "unit_amount_excluding_tax": str(tax.net // max(line["quantity"], 1)),
    })


def invoice_object(*, id: str, customer: str, customer_email: str | None, customer_name: str | None,
                   lines: list[dict], taxes: list[tuple[LineTax, dict | None]], currency: str,
                   billing_reason: str, status: str, created: int, version: str, number: str | None,
                   subscription: str | None = None, subscription_metadata: dict | None = None,
                   default_tax_rates: list[dict] | None = None, finalized_at: int | None = None,
                   paid_at: int | None = None, attempt_count: int = 0, next_payment_attempt: int | None = None,
                   payment_intent: str | None = None, charge: str | None = None,
                   test_clock: str | None = None, metadata: dict | None = None,
                   period_start: int | None = None, period_end: int | None = None) -> dict:
    """An `invoice`; totals are derived from the lines' taxes."""
    subtotal = sum(t.subtotal for t, _ in taxes)
    total = sum(t.total for t, _ in taxes)
    net = sum(t.net for t, _ in taxes)
    paid = status == "paid"
    inv = {
        "id": id, "object": "invoice", "account_country": "CH", "account_name": "simplex Meeting",
        "account_tax_ids": None, "amount_due": total, "amount_overpaid": 0,
        "amount_paid": total if paid else 0, "amount_paid_off_stripe": 0,
        "amount_remaining": 0 if paid else total, "amount_shipping": 0, "application": None,
        "attempt_count": attempt_count, "attempted": attempt_count > 0,
        "auto_advance": not paid and status != "void",
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None,
                          "provider": None, "status": None},
        "automatically_finalizes_at": created + 3600 if status == "draft" and subscription else None,
        "billing_reason": billing_reason, "collection_method": "charge_automatically",
        "created": created, "currency": currency, "custom_fields": None, "customer": customer,
        "customer_account": None, "customer_address": None, "customer_email": customer_email,
        "customer_name": customer_name, "customer_phone": None, "customer_shipping": None,
        "customer_tax_exempt": "none", "customer_tax_ids": [], "default_payment_method": None,
        "default_source": None, "default_tax_rates": list(default_tax_rates or []), "description": None,
        "discounts": [], "due_date": None, "effective_at": finalized_at, "ending_balance": 0 if finalized_at else None,
        "footer": None, "from_invoice": None,
        "hosted_invoice_url": None if status == "draft" else f"https://invoice.stripe.com/i/acct_simplex/test_{id[3:]}",
        "invoice_pdf": None if status == "draft" else f"https://pay.stripe.com/invoice/acct_simplex/test_{id[3:]}/pdf",
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": lines, "has_more": False,
                  "url": f"/v1/invoices/{id}/lines"},
        "livemode": False, "metadata": dict(metadata or {}), "next_payment_attempt": next_payment_attempt,
        "number": number, "on_behalf_of": None,
        "parent": None if subscription is None else {
            "quote_details": None, "type": "subscription_details",
            "subscription_details": {"metadata": dict(subscription_metadata or {}), "subscription": subscription}},
        "payment_settings": {"default_mandate": None, "payment_method_options": None,
                             "payment_method_types": None},
        "period_end": created if period_end is None else period_end,
        "period_start": created if period_start is None else period_start, "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None,
        "rendering": {"amount_tax_display": None, "pdf": {"page_size": "auto"}, "template": None,
                      "template_version": None},
        "shipping_cost": None, "shipping_details": None, "starting_balance": 0,
        "statement_descriptor": None, "status": status,
        "status_transitions": {"finalized_at": finalized_at, "marked_uncollectible_at": None,
                               "paid_at": paid_at, "voided_at": None},
        "subtotal": subtotal,
        "subtotal_excluding_tax": net, "test_clock": test_clock, "total": total,
        "total_discount_amounts": [], "total_excluding_tax": net, "total_pretax_credit_amounts": [],
        "total_taxes": [_tax_entry(t, r) for t, r in taxes if r is not None],
        "webhooks_delivered_at": created if status != "draft" else None,
    }
    if is_pre_basil(version):
        _invoice_to_pre_basil(inv, taxes, subscription, subscription_metadata, payment_intent, charge)
    return inv


def _invoice_to_pre_basil(inv: dict, taxes: list[tuple[LineTax, dict | None]], subscription: str | None,
                          subscription_metadata: dict | None, payment_intent: str | None,
                          charge: str | None) -> None:
    """Put the acacia-era invoice fields back."""
    for key in ("parent", "total_taxes", "amount_overpaid", "amount_paid_off_stripe",
                "total_pretax_credit_amounts"):
        del inv[key]
    inv.update({
        "application_fee_amount": None, "charge": charge, "discount": None,
        "paid": inv["status"] == "paid", "paid_out_of_band": False, "payment_intent": payment_intent,
        "quote": None, "subscription": subscription,
        "subscription_details": {"metadata": dict(subscription_metadata or {})} if subscription else None,
        "subscription_proration_date": None, "tax": sum(t.tax for t, _ in taxes) or None,
        "total_tax_amounts": [{"amount": t.tax, "inclusive": t.inclusive, "tax_rate": r["id"],
                               "taxability_reason": None, "taxable_amount": t.taxable_amount}
                              for t, r in taxes if r is not None],
        "transfer_data": None,
    })
