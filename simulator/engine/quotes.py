"""Quotes: a draft offer of prices to a customer — finalize (open), accept (a subscription for recurring prices,
an invoice for one-time ones), cancel — with the events Stripe sends."""

import copy

from .errors import InvalidRequest
from .events import emit
from .invoicing import create_invoice, create_item, finalize_invoice
from .metadata import merge_metadata
from .prices import unit_amount
from .state import State
from .subscriptions import subscribe

EXPIRES_AFTER = 30 * 86400


def _totals() -> dict:
    return {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}


def create_quote(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A draft quote for `customer` of `line_items` (prices in one currency); emits quote.created."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    items = []
    for index, given in enumerate(p.get("line_items") or []):
        price = state.store.require("price", given.get("price", ""), f"line_items[{index}][price]", in_body=True)
        items.append({"price": price["id"], "quantity": given.get("quantity", 1)})
    if not items:
        raise InvalidRequest("A quote needs at least one line item.", param="line_items")
    prices = [state.store.get(item["price"]) for item in items]
    if len({price["currency"] for price in prices}) > 1:
        raise InvalidRequest("All prices of a quote must be in one currency.", param="line_items")
    recurring = {(p_["recurring"]["interval"], p_["recurring"]["interval_count"]) for p_ in prices if p_["recurring"]}
    if len(recurring) > 1:
        raise InvalidRequest("The recurring prices of a quote must share one interval.", param="line_items")
    at = state.now(customer["test_clock"])
    quote = {"id": state.new_id("qt"), "object": "quote", "customer": customer["id"], "created": at,
             "currency": prices[0]["currency"], "description": p.get("description"), "status": "draft",
             "collection_method": p.get("collection_method", "charge_automatically"),
             "expires_at": p.get("expires_at") or at + EXPIRES_AFTER, "footer": p.get("footer"),
             "header": p.get("header"), "metadata": dict(p.get("metadata") or {}), "number": None, "items": items,
             "invoice": None, "subscription": None, "test_clock": customer["test_clock"],
             "status_transitions": {"accepted_at": None, "canceled_at": None, "finalized_at": None}}
    state.store.add(quote)
    emit(state, "quote.created", quote, at=at, origin=origin)
    return quote


def _need(quote: dict, *statuses: str) -> None:
    if quote["status"] not in statuses:
        raise InvalidRequest(f"This quote is {quote['status']}; it must be {' or '.join(statuses)}.",
                             code="quote_unexpected_state")


def update_quote(state: State, quote: dict, p: dict, *, origin=(None, None)) -> dict:
    """A draft's description, header, footer, expiry; metadata at any time (no event, as Stripe sends none)."""
    if any(k in p for k in ("description", "header", "footer", "expires_at")):
        _need(quote, "draft")
    quote.update({k: p[k] for k in ("description", "header", "footer", "expires_at") if k in p})
    if "metadata" in p:
        quote["metadata"] = merge_metadata(quote["metadata"], p["metadata"])
    return quote


def finalize_quote(state: State, quote: dict, *, origin=(None, None)) -> dict:
    """Draft → open, numbered; emits quote.finalized."""
    _need(quote, "draft")
    at = state.now(quote["test_clock"])
    count = len([q for q in state.store.all("quote") if q["number"]]) + 1
    quote.update(status="open", number=f"QT-{quote['id'][-8:].upper()}-{count:04d}")
    quote["status_transitions"]["finalized_at"] = at
    emit(state, "quote.finalized", quote, at=at, origin=origin)
    return quote


def accept_quote(state: State, quote: dict, *, origin=(None, None)) -> dict:
    """Open → accepted: recurring prices become a subscription (charged as any), one-time ones an invoice;
    emits quote.accepted after them."""
    _need(quote, "open")
    at = state.now(quote["test_clock"])
    recurring = [i for i in quote["items"] if state.store.get(i["price"])["recurring"]]
    once = [i for i in quote["items"] if not state.store.get(i["price"])["recurring"]]
    if recurring:
        sub = subscribe(state, {"customer": quote["customer"], "items": recurring, "metadata": quote["metadata"]},
                        origin=origin)
        quote["subscription"] = sub["id"]
    if once:
        for item in once:
            create_item(state, {"customer": quote["customer"], "price": item["price"], "quantity": item["quantity"]},
                        origin=origin)
        invoice = create_invoice(state, {"customer": quote["customer"], "pending_invoice_items_behavior": "include",
                                         "description": quote["description"], "currency": quote["currency"],
                                         "collection_method": quote["collection_method"],
                                         "days_until_due": 30}, origin=origin)
        finalize_invoice(state, invoice, origin=origin)
        quote["invoice"] = invoice["id"]
    quote["status"] = "accepted"
    quote["status_transitions"]["accepted_at"] = at
    emit(state, "quote.accepted", quote, at=at, origin=origin)
    return quote


def cancel_quote(state: State, quote: dict, *, origin=(None, None)) -> dict:
    """Draft or open → canceled; emits quote.canceled."""
    _need(quote, "draft", "open")
    at = state.now(quote["test_clock"])
    quote["status"] = "canceled"
    quote["status_transitions"]["canceled_at"] = at
    emit(state, "quote.canceled", quote, at=at, origin=origin)
    return quote


def render_quote(state: State, record: dict, version: str) -> dict:
    """The `quote`, its totals computed from its prices (no discounts or tax)."""
    upfront, recurring, interval = 0, 0, None
    for item in record["items"]:
        price = state.store.get(item["price"])
        amount = unit_amount(price, record["currency"]) * item["quantity"]
        upfront += amount
        if price["recurring"]:
            recurring += amount
            interval = price["recurring"]
    quote = {k: copy.deepcopy(v) for k, v in record.items() if k != "items"}
    quote.update({
        "amount_subtotal": upfront, "amount_total": upfront, "application": None, "application_fee_amount": None,
        "application_fee_percent": None, "automatic_tax": {"enabled": False, "liability": None, "provider": None,
                                                           "status": None},
        "computed": {"recurring": None if interval is None else {
            "amount_subtotal": recurring, "amount_total": recurring, "interval": interval["interval"],
            "interval_count": interval["interval_count"], "total_details": _totals()},
            "upfront": {"amount_subtotal": upfront, "amount_total": upfront, "total_details": _totals()}},
        "customer_account": None, "default_tax_rates": [], "discounts": [], "from_quote": None,
        "invoice_settings": {"days_until_due": None, "issuer": {"type": "self"}}, "livemode": False,
        "on_behalf_of": None, "subscription_data": {"billing_mode": {"type": "classic"}, "description": None,
                                                    "effective_date": None, "metadata": None,
                                                    "trial_period_days": None},
        "subscription_schedule": None, "total_details": _totals(), "transfer_data": None})
    return quote


RENDERERS = {"quote": render_quote}
