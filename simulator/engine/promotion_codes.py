"""Promotion codes: customer-facing codes for a coupon, with their own limits; create, update, redeem."""

import copy
import re

from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .state import State

# Stripe's codes: letters and digits only, compared without regard to case.
CODE = re.compile(r"^[A-Za-z0-9]{1,500}$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def coupon_of(state: State, p: dict) -> dict:
    """The coupon a create request names: `promotion[coupon]` (clover on) or the older top-level `coupon`."""
    promotion = p.get("promotion") or {}
    if promotion and promotion.get("type", "coupon") != "coupon":
        raise InvalidParameter("Invalid promotion[type]: must be coupon", "promotion[type]")
    param = "promotion[coupon]" if promotion else "coupon"
    coupon_id = promotion.get("coupon") if promotion else p.get("coupon")
    if not coupon_id:
        raise InvalidRequest(f"Missing required param: {param}.", param=param, code="parameter_missing")
    return state.store.require("coupon", coupon_id, param, in_body=True)


def new_code(state: State) -> str:
    """A fresh customer-facing code: eight unambiguous characters, like the Dashboard's."""
    token = state.ids.token(8)
    return "".join(CODE_ALPHABET[ord(c) % len(CODE_ALPHABET)] for c in token)


def check_unique(state: State, code: str, *, other_than: str | None = None) -> None:
    """No two active codes of one account may read the same, whatever the case."""
    for promo in state.store.all("promotion_code"):
        if promo["active"] and promo["id"] != other_than and promo["code"].lower() == code.lower():
            raise InvalidRequest(f"An active promotion code with `code: {code}` already exists.", param="code",
                                 code="resource_already_exists")


def restrictions_of(p: dict, coupon: dict) -> dict:
    """The `restrictions` hash: first-time customers only, a minimum order amount in one currency."""
    given = p.get("restrictions") or {}
    if ("minimum_amount" in given) != ("minimum_amount_currency" in given):
        given_one, missing = (("minimum_amount", "minimum_amount_currency") if "minimum_amount" in given
                              else ("minimum_amount_currency", "minimum_amount"))
        raise InvalidRequest(f"You must pass restrictions[{missing}] along with restrictions[{given_one}].",
                             param=f"restrictions[{missing}]", code="parameter_missing")
    out = {"currency_options": {}, "first_time_transaction": bool(given.get("first_time_transaction", False)),
           "minimum_amount": given.get("minimum_amount"),
           "minimum_amount_currency": (given.get("minimum_amount_currency") or "").lower() or None}
    for currency, option in (given.get("currency_options") or {}).items():
        out["currency_options"][currency.lower()] = {"minimum_amount": option.get("minimum_amount", 0)}
    if coupon["amount_off"] and out["minimum_amount"] is not None and \
            out["minimum_amount_currency"] == coupon["currency"] and out["minimum_amount"] < coupon["amount_off"]:
        raise InvalidParameter("restrictions[minimum_amount] must be at least the coupon's amount_off.",
                               "restrictions[minimum_amount]")
    return out


def create_promotion_code(state: State, p: dict, *, origin=(None, None)) -> dict:
    """Store a promotion code for a coupon; emits promotion_code.created."""
    coupon = coupon_of(state, p)
    if not coupon["valid"]:
        raise InvalidRequest(f"Coupon {coupon['id']} is no longer valid.", param="coupon")
    code = p.get("code") or new_code(state)
    if not CODE.match(code):
        raise InvalidParameter("Invalid code: a promotion code may contain only letters and digits.", "code")
    check_unique(state, code)
    at = state.now()
    if p.get("expires_at") is not None and p["expires_at"] <= at:
        raise InvalidParameter("Invalid expires_at: must be in the future.", "expires_at")
    if p.get("expires_at") and coupon["redeem_by"] and p["expires_at"] > coupon["redeem_by"]:
        raise InvalidParameter("The promotion code's expires_at cannot be later than its coupon's redeem_by.",
                               "expires_at")
    customer = p.get("customer")
    if customer:
        state.store.require("customer", customer, "customer", in_body=True)
    promo = {"id": state.new_id("promo"), "object": "promotion_code", "active": p.get("active", True),
             "code": code, "coupon": copy.deepcopy(coupon), "created": at, "customer": customer,
             "customer_account": None, "expires_at": p.get("expires_at"), "livemode": False,
             "max_redemptions": p.get("max_redemptions"), "metadata": dict(p.get("metadata") or {}),
             "promotion": {"coupon": coupon["id"], "type": "coupon"},
             "restrictions": restrictions_of(p, coupon), "times_redeemed": 0}
    state.store.add(promo)
    emit(state, "promotion_code.created", promo, at=at, origin=origin)
    return promo


def update_promotion_code(state: State, promo: dict, p: dict, *, origin=(None, None)) -> dict:
    """`active`, `metadata` and `restrictions[currency_options]` only; emits promotion_code.updated."""
    old = copy.deepcopy(promo)
    if p.get("active") and not promo["active"]:
        check_unique(state, promo["code"], other_than=promo["id"])
    if "active" in p:
        promo["active"] = p["active"]
    if "metadata" in p:
        promo["metadata"] = merge_metadata(promo["metadata"], p["metadata"])
    options = (p.get("restrictions") or {}).get("currency_options") or {}
    for currency, option in options.items():
        promo["restrictions"]["currency_options"][currency.lower()] = {"minimum_amount": option.get("minimum_amount", 0)}
    emit(state, "promotion_code.updated", promo, at=state.now(), old=old, origin=origin)
    return promo


def render_promotion_code(state: State, record: dict, version: str) -> dict:
    """The code with its coupon as it is now (the copy it keeps serves once the coupon is deleted)."""
    coupon = state.store.get(record["promotion"]["coupon"])
    return {**record, "coupon": coupon} if coupon is not None else record


RENDERERS = {"promotion_code": render_promotion_code}
