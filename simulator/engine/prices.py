"""Prices (and their legacy plan twins): one-time and recurring, tiers, currency options, lookup keys."""

import copy
from decimal import Decimal, InvalidOperation

from ..objects.catalogue import price_object, recurring
from ..objects.subscriptions import plan_from_price
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .state import State

# Stripe allows billing periods of up to three years (3 years, 36 months or 156 weeks).
MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}
# Fields that Stripe only returns when expanded; stored on the record, left out of plain renderings.
HIDDEN = ("currency_options", "tiers")


def render_price(state: State, record: dict, version: str) -> dict:
    """A price without the fields Stripe only includes on request."""
    return {k: v for k, v in record.items() if k not in HIDDEN}


def unit_amount(price: dict, currency: str) -> int:
    """What one unit costs in `currency` (the price's own, or one of its currency options)."""
    if currency == price["currency"]:
        return price["unit_amount"] or 0
    return (price.get("currency_options") or {})[currency]["unit_amount"]


def in_currency(price: dict, currency: str) -> dict:
    """The price as builders should see it when charged in `currency`."""
    if currency == price["currency"]:
        return render_price(None, price, "")
    amount = unit_amount(price, currency)
    return {**render_price(None, price, ""), "currency": currency, "unit_amount": amount,
            "unit_amount_decimal": str(Decimal(amount))}


def _check_amounts(p: dict, scheme: str) -> None:
    if scheme == "tiered":
        if "unit_amount" in p:
            raise InvalidRequest("You may only specify one of these parameters: tiers, unit_amount.",
                                 param="unit_amount", code="parameters_exclusive")
        for name in ("tiers", "tiers_mode"):
            if not p.get(name):
                raise InvalidRequest(f"Missing required param: {name}.", param=name, code="parameter_missing")
        if p["tiers"][-1]["up_to"] != "inf":
            raise InvalidParameter("The last tier's `up_to` must be `inf`.", f"tiers[{len(p['tiers']) - 1}][up_to]")
    elif p.get("tiers") or p.get("tiers_mode"):
        raise InvalidRequest("`tiers` and `tiers_mode` require `billing_scheme=tiered`.", param="billing_scheme")
    elif "unit_amount" not in p and "unit_amount_decimal" not in p and "custom_unit_amount" not in p:
        raise InvalidRequest("Missing required param: unit_amount.", param="unit_amount", code="parameter_missing")


def _check_recurring(rec: dict | None) -> dict | None:
    if rec is None:
        return None
    count = rec.get("interval_count", 1)
    if count > MAX_INTERVAL_COUNT[rec["interval"]]:
        raise InvalidParameter("The maximum billing period is three years (3 years, 36 months, or 156 weeks); "
                               f"`interval_count` {count} is too large for `interval={rec['interval']}`.",
                               "recurring[interval_count]")
    out = recurring(rec["interval"], count, rec.get("usage_type", "licensed"))
    out.update(meter=rec.get("meter"))
    return out


def currency_options_of(p: dict, currency: str, amount: int | None, tax_behavior: str) -> dict:
    options = {currency: {"custom_unit_amount": None, "tax_behavior": tax_behavior, "unit_amount": amount,
                          "unit_amount_decimal": None if amount is None else str(Decimal(amount))}}
    for code, option in (p.get("currency_options") or {}).items():
        value = option.get("unit_amount")
        options[code.lower()] = {"custom_unit_amount": None, "tax_behavior": option.get("tax_behavior", tax_behavior),
                                 "unit_amount": value, "unit_amount_decimal": None if value is None else str(value)}
    return options


def claim_lookup_key(state: State, key: str | None, price_id: str, transfer: bool) -> None:
    if not key:
        return
    owner = state.lookup_keys.get(key)
    if owner and owner != price_id:
        if not transfer:
            raise InvalidRequest(f"A price (`{owner}`) already uses that lookup key.", param="lookup_key")
        state.store.get(owner)["lookup_key"] = None
    state.lookup_keys[key] = price_id


def check_price(state: State, p: dict) -> None:
    """Refuse what create_price would refuse once it began storing (a product's `default_price_data` is checked
    before the product is stored, so a refused price leaves no product behind)."""
    _check_amounts(p, p.get("billing_scheme", "per_unit"))
    _check_recurring(p.get("recurring"))
    _amount(p)
    key, owner = p.get("lookup_key"), state.lookup_keys.get(p.get("lookup_key") or "")
    if key and owner and not p.get("transfer_lookup_key", False):
        raise InvalidRequest(f"A price (`{owner}`) already uses that lookup key.", param="lookup_key")


def create_price(state: State, p: dict, *, at: int, origin=(None, None), product_id: str | None = None,
                 price_id: str | None = None) -> dict:
    """Validate and store a price (`p` already parsed); emits price.created (and plan.created)."""
    product_id = product_id or p.get("product")
    if product_id is None:  # `product_data` is the caller's to make into a product first (catalogue imports us)
        raise InvalidRequest("Missing required param: product.", param="product", code="parameter_missing")
    state.store.require("product", product_id, "product", in_body=True)
    check_price(state, p)
    scheme = p.get("billing_scheme", "per_unit")
    currency = p["currency"].lower()
    price = price_object(
        id=price_id or state.new_id("price"), product=product_id, currency=currency,
        unit_amount=_amount(p) if scheme == "per_unit" else None, created=at,
        recurring=_check_recurring(p.get("recurring")),
        tax_behavior=p.get("tax_behavior", "unspecified"), billing_scheme=scheme, active=p.get("active", True),
        metadata=p.get("metadata"), lookup_key=p.get("lookup_key"), nickname=p.get("nickname"),
        tiers_mode=p.get("tiers_mode"), transform_quantity=p.get("transform_quantity"),
        custom_unit_amount=p.get("custom_unit_amount"))
    claim_lookup_key(state, p.get("lookup_key"), price["id"], p.get("transfer_lookup_key", False))
    price["currency_options"] = currency_options_of(p, currency, price["unit_amount"], price["tax_behavior"])
    price["tiers"] = [_tier(t) for t in p.get("tiers") or []]
    state.store.add(price)
    emit(state, "price.created", price, at=at, origin=origin)
    if price["recurring"]:
        emit(state, "plan.created", plan_record(price), at=at, origin=origin)
    return price


def _amount(p: dict) -> int | None:
    """unit_amount, or unit_amount_decimal rounded down to whole minor units."""
    if p.get("unit_amount") is not None or p.get("unit_amount_decimal") is None:
        return p.get("unit_amount")
    try:
        return int(Decimal(p["unit_amount_decimal"]))
    except (InvalidOperation, ValueError):
        raise InvalidParameter(f"Invalid decimal: {p['unit_amount_decimal']}", "unit_amount_decimal") from None


def _tier(tier: dict) -> dict:
    up_to = tier["up_to"]
    return {"flat_amount": tier.get("flat_amount"), "flat_amount_decimal": tier.get("flat_amount_decimal"),
            "unit_amount": tier.get("unit_amount"), "unit_amount_decimal": tier.get("unit_amount_decimal"),
            "up_to": None if up_to == "inf" else int(up_to)}


def plan_record(price: dict) -> dict:
    """The legacy plan that mirrors a recurring price."""
    return plan_from_price(render_price(None, price, ""))


def change_price(state: State, price: dict, p: dict, *, origin=(None, None)) -> dict:
    """Update a price's mutable fields; amounts and intervals are fixed once created."""
    old = copy.deepcopy(price)
    if "tax_behavior" in p and price["tax_behavior"] != "unspecified" and p["tax_behavior"] != price["tax_behavior"]:
        raise InvalidRequest("The tax behavior of a price can not be changed once it is set.", param="tax_behavior")
    if "lookup_key" in p:
        claim_lookup_key(state, p["lookup_key"], price["id"], p.get("transfer_lookup_key", False))
        if price["lookup_key"] and price["lookup_key"] != p["lookup_key"]:
            state.lookup_keys.pop(price["lookup_key"], None)
    for field in ("active", "lookup_key", "nickname", "tax_behavior"):
        if field in p:
            price[field] = p[field]
    if "metadata" in p:
        price["metadata"] = merge_metadata(price["metadata"], p["metadata"])
    if "currency_options" in p:
        added = currency_options_of(p, price["currency"], price["unit_amount"], price["tax_behavior"])
        price["currency_options"] = {**price["currency_options"], **added}
    emit(state, "price.updated", price, at=state.now(), old=old, origin=origin)
    if price["recurring"]:
        emit(state, "plan.updated", plan_record(price), at=state.now(), old=plan_record(old), origin=origin)
    return price


RENDERERS = {"price": render_price}
