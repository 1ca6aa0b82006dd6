"""Checkout Sessions: open with Stripe's checks, discounts, totals per tax rate kind, line items, expiry."""

from ..objects.checkout import line_item_object, session_object
from ..tax import LineTax
from . import discounts
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .invoices import line_taxes
from .prices import in_currency, render_price, unit_amount
from .state import State

DAY = 86400


def session_line_items(state: State, p: dict, mode: str) -> tuple[list[dict], str]:
    """Stored line items and the session currency, after Stripe's mode/price/tax checks."""
    currency = (p.get("currency") or "").lower() or None
    items, default_rates = [], (p.get("subscription_data") or {}).get("default_tax_rates") or []
    for index, raw in enumerate(p.get("line_items") or []):
        param = f"line_items[{index}]"
        if "price" not in raw:
            raise InvalidRequest(f"Missing required param: {param}[price].", param=f"{param}[price]",
                                 code="parameter_missing")
        price = state.store.require("price", raw["price"], f"{param}[price]", in_body=True)
        if "quantity" not in raw:
            raise InvalidRequest(f"Missing required param: {param}[quantity].", param=f"{param}[quantity]",
                                 code="parameter_missing")
        if not price["active"]:
            raise InvalidParameter("The price specified is inactive. This field only accepts active prices.",
                                   f"{param}[price]")
        if mode == "payment" and price["recurring"]:
            raise InvalidParameter("You specified `payment` mode but passed a recurring price. Either switch to "
                                   "`subscription` mode or use only one-time prices.", f"{param}[price]")
        currency = currency or price["currency"]
        if currency not in (price.get("currency_options") or {price["currency"]: None}):
            raise InvalidParameter(f"The price `{price['id']}` has no currency option for `{currency}`; all line "
                                   "items must be payable in the same currency.", f"{param}[price]")
        rates = raw.get("tax_rates") or (default_rates if mode == "subscription" else [])
        rate = _tax_rate(state, price, rates, f"{param}[tax_rates]")
        items.append({"id": state.new_id("li"), "price": price["id"], "quantity": raw["quantity"],
                      "tax_rate": rate, "amount": unit_amount(price, currency) * raw["quantity"],
                      "own_tax_rates": list(raw.get("tax_rates") or [])})
    if not items:
        raise InvalidRequest("Missing required param: line_items.", param="line_items", code="parameter_missing")
    if mode == "subscription" and not any(state.store.get(i["price"])["recurring"] for i in items):
        raise InvalidRequest("You must provide at least one recurring price in `subscription` mode when using "
                             "prices.", param="line_items")
    return items, currency


def _tax_rate(state: State, price: dict, rates: list[str], param: str) -> str | None:
    if len(rates) > 1:
        raise InvalidParameter("The fake Stripe applies one tax rate per line item; pass a single rate.", param)
    if not rates:
        return None
    rate = state.store.require("tax_rate", rates[0], f"{param}[0]", in_body=True)
    if not rate["active"]:
        raise InvalidParameter(f"Tax rate `{rate['id']}` is not active and cannot be used.", f"{param}[0]")
    behavior = price["tax_behavior"]
    if behavior != "unspecified" and (behavior == "inclusive") != rate["inclusive"]:
        raise InvalidRequest("One or more prices has a `tax_behavior` that conflicts with the tax rates that apply "
                             "to the corresponding line item.", param=param)
    return rate["id"]


def check_mode(p: dict, mode: str) -> None:
    if mode == "setup":
        raise InvalidParameter("The fake Stripe supports `payment` and `subscription` mode only.", "mode")
    if mode == "subscription" and "payment_intent_data" in p:
        raise InvalidRequest("You can not pass `payment_intent_data` in `subscription` mode.",
                             param="payment_intent_data")
    if mode == "payment" and "subscription_data" in p:
        raise InvalidRequest("You can not pass `subscription_data` in `payment` mode.", param="subscription_data")
    if mode == "subscription" and "customer_creation" in p:
        raise InvalidRequest("`customer_creation` can only be used in `payment` mode.", param="customer_creation")
    if "customer" in p and "customer_email" in p:
        raise InvalidRequest("You may only specify one of these parameters: customer, customer_email.",
                             param="customer", code="parameters_exclusive")
    for name in ("success_url", "cancel_url"):
        url = p.get(name)
        if url is not None and not url.startswith(("http://", "https://")):
            raise InvalidParameter(f"Not a valid URL: {url}", name, code="url_invalid")


def check_discounts(state: State, p: dict, customer: dict | None, currency: str, at: int) -> list[tuple]:
    """The (coupon, promotion code) pair `discounts[]` names, checked as a subscription's are: Checkout takes one,
    and not along with `allow_promotion_codes`."""
    entries = p.get("discounts") or []
    if len(entries) > 1:
        raise InvalidParameter("You may only specify one discount for a Checkout Session.", "discounts")
    if entries and p.get("allow_promotion_codes"):
        raise InvalidRequest("You may only specify one of these parameters: allow_promotion_codes, discounts.",
                             param="allow_promotion_codes", code="parameters_exclusive")
    resolved = discounts.resolve(state, entries, customer, "discounts", at)
    for index, (coupon, _) in enumerate(resolved):
        if coupon["amount_off"] is not None and coupon["currency"] != currency:
            # An amount in another currency would take nothing off while the session shows the discount.
            raise InvalidParameter(f"The coupon `{coupon['id']}` is in {coupon['currency']}, not in the Checkout "
                                   f"Session's currency {currency}.", f"discounts[{index}]")
    return resolved


def still_redeemable(state: State, session: dict, customer: dict | None, at: int) -> None:
    """Paying re-checks the session's coupon and code: another redemption may have used them up meanwhile."""
    for id in session["discounts"]:
        discount = state.store.get(id)
        entry = {"promotion_code": discount["promotion_code"]} if discount["promotion_code"] \
            else {"coupon": discount["source"]["coupon"]}
        discounts.redeemable(state, entry, customer, "discounts[0]", at)


def line_offs(state: State, session: dict) -> list[list[tuple]]:
    """Per line item, (discount id, amount off), shared out as on an invoice."""
    return discounts.line_amounts(state, session["discounts"], [i["amount"] for i in session["line_items"]],
                                  session["currency"])


def totals(state: State, session: dict) -> LineTax:
    """The session's summed subtotal (before discounts), tax and total (after them) over its lines."""
    taxes = [tax for tax, _ in line_taxes(state, session["line_items"], line_offs(state, session))]
    return LineTax(sum(t.subtotal for t in taxes), sum(t.tax for t in taxes), sum(t.total for t in taxes),
                   sum(t.taxable_amount for t in taxes), any(t.inclusive for t in taxes))


def render_session(state: State, record: dict, version: str) -> dict:
    """The `checkout.session` in `version`'s shape; `url` opens the fake's hosted page."""
    obj = session_object(
        id=record["id"], mode=record["mode"], created=record["created"], currency=record["currency"],
        tax=totals(state, record), success_url=record["success_url"], cancel_url=record["cancel_url"],
        version=version, status=record["status"], payment_status=record["payment_status"],
        customer=record["customer"], customer_email=record["customer_email"],
        customer_details=record["customer_details"], client_reference_id=record["client_reference_id"],
        metadata=record["metadata"], subscription=record["subscription"], payment_intent=record["payment_intent"],
        invoice=record["invoice"], invoice_creation=record["invoice_creation"],
        url=f"{state.base_url}/c/pay/{record['id']}", expires_at=record["expires_at"],
        customer_creation=record["customer_creation"],
        discounts=[{"coupon": d["source"]["coupon"], "promotion_code": d["promotion_code"]}
                   for d in map(state.store.get, record["discounts"])],
        discount=sum(amount for offs in line_offs(state, record) for _, amount in offs))
    if record["status"] != "open":
        obj["url"] = None
    return obj


def render_line_items(state: State, record: dict, version: str) -> list[dict]:
    """The session's line `item`s with their taxes and what each discount took off."""
    out, offs = [], line_offs(state, record)
    for item, (tax, rate), taken in zip(record["line_items"], line_taxes(state, record["line_items"], offs), offs):
        price = state.store.get(item["price"])
        product = state.store.get(price["product"])
        shown = in_currency(price, record["currency"]) if price["currency"] != record["currency"] \
            else render_price(state, price, version)
        out.append(line_item_object(id=item["id"], price=shown, description=product["name"] if product else "",
                                    quantity=item["quantity"], tax=tax, tax_rate=rate,
                                    discounts=[{"amount": amount, "discount": discounts.render_discount(
                                        state, state.store.get(id), version)} for id, amount in taken]))
    return out


def expire(state: State, session: dict, *, at: int, origin=(None, None)) -> None:
    """open → expired; emits checkout.session.expired."""
    session["status"] = "expired"
    emit(state, "checkout.session.expired", session, at=at, origin=origin)


def expire_when_due(state: State, session_id: str, due: int) -> None:
    """Scheduled at expires_at: a session nobody completed expires."""
    session = state.store.get(session_id)
    if session is not None and session["status"] == "open" and session["expires_at"] == due:
        expire(state, session, at=due)


def open_session(state: State, p: dict) -> dict:
    """A new `open` Checkout Session after Stripe's checks; it expires at `expires_at`."""
    mode = p["mode"]
    check_mode(p, mode)
    customer = state.store.require("customer", p["customer"], "customer", in_body=True) if p.get("customer") else None
    items, currency = session_line_items(state, p, mode)
    at = state.now()
    resolved = check_discounts(state, p, customer, currency, at)
    expires_at = p.get("expires_at", at + DAY)
    if not at + 1800 <= expires_at <= at + DAY:
        raise InvalidParameter("The `expires_at` timestamp must be between 30 minutes and 24 hours after Checkout "
                               "Session creation.", "expires_at")
    sub_data, pi_data = p.get("subscription_data") or {}, p.get("payment_intent_data") or {}
    id = state.new_id("cs_test")
    # The session's own discounts say what it takes off; the coupon counts a redemption only when it is paid.
    own = [discounts.new_discount(state, coupon, promo, at=at, customer=customer["id"] if customer else None,
                                  checkout_session=id, redeemed=False)["id"] for coupon, promo in resolved]
    session = {
        "id": id, "discounts": own, "object": "checkout.session", "mode": mode, "created": at,
        "expires_at": expires_at, "currency": currency, "line_items": items, "success_url": p.get("success_url"),
        "cancel_url": p.get("cancel_url"), "status": "open", "payment_status": "unpaid",
        "customer": customer["id"] if customer else None, "customer_email": p.get("customer_email"),
        "customer_details": None, "client_reference_id": p.get("client_reference_id"),
        "metadata": dict(p.get("metadata") or {}), "subscription_metadata": dict(sub_data.get("metadata") or {}),
        "default_tax_rates": list(sub_data.get("default_tax_rates") or []),
        "payment_intent_metadata": dict(pi_data.get("metadata") or {}),
        "payment_intent_description": pi_data.get("description"), "subscription": None, "payment_intent": None,
        "invoice": None, "invoice_creation": bool((p.get("invoice_creation") or {}).get("enabled")),
        "customer_creation": p.get("customer_creation") if mode == "payment" else None,
    }
    state.store.add(session)
    state.schedule(None, expires_at, "expire_session", session["id"])
    return session


def expire_open(state: State, session: dict, *, origin=(None, None)) -> None:
    """POST …/expire: only an `open` session can be expired."""
    if session["status"] != "open":
        raise InvalidRequest(f"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout "
                             f"Session has a status of \"{session['status']}\".")
    expire(state, session, at=state.now(), origin=origin)


RENDERERS = {"checkout.session": render_session}
VERSIONED = frozenset({"checkout.session"})
JOBS = {"expire_session": expire_when_due}
