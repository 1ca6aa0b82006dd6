"""Coupons: a percentage or an amount off, once, for some months or forever; create, update, delete."""

import copy

from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .rendering import deleted
from .state import State


def create_coupon(state: State, p: dict, *, origin=(None, None)) -> dict:
    """Store a coupon; emits coupon.created."""
    if ("percent_off" in p) == ("amount_off" in p):
        raise InvalidRequest("You must pass exactly one of percent_off or amount_off.", param="percent_off")
    if "percent_off" in p and not 0 < p["percent_off"] <= 100:
        raise InvalidParameter("Invalid percent_off: must be greater than 0 and at most 100", "percent_off")
    if "amount_off" in p and not p.get("currency"):
        raise InvalidRequest("You must pass currency when passing amount_off.", param="currency",
                             code="parameter_missing")
    duration = p.get("duration", "once")
    if (duration == "repeating") != ("duration_in_months" in p):
        raise InvalidRequest("duration_in_months is required with duration=repeating, and only then.",
                             param="duration_in_months")
    # Stripe's coupon ids have no prefix: eight characters.
    id = p.get("id") or state.new_id("coupon").partition("_")[2]
    if id in state.store:
        raise InvalidRequest("Coupon already exists.", param="id", code="resource_already_exists")
    coupon = {"id": id, "object": "coupon", "amount_off": p.get("amount_off"),
              "created": state.now(), "currency": p["currency"].lower() if p.get("currency") else None,
              "duration": duration, "duration_in_months": p.get("duration_in_months"), "livemode": False,
              "max_redemptions": p.get("max_redemptions"), "metadata": dict(p.get("metadata") or {}),
              "name": p.get("name"), "percent_off": p.get("percent_off"), "redeem_by": p.get("redeem_by"),
              "times_redeemed": 0, "valid": True}
    state.store.add(coupon)
    emit(state, "coupon.created", coupon, at=coupon["created"], origin=origin)
    return coupon


def update_coupon(state: State, coupon: dict, p: dict, *, origin=(None, None)) -> dict:
    """Name and metadata only (the discount itself never changes); emits coupon.updated."""
    old = copy.deepcopy(coupon)
    if "metadata" in p:
        coupon["metadata"] = merge_metadata(coupon["metadata"], p["metadata"])
    if "name" in p:
        coupon["name"] = p["name"] or None
    emit(state, "coupon.updated", coupon, at=state.now(), old=old, origin=origin)
    return coupon


def delete_coupon(state: State, coupon: dict, *, origin=(None, None)) -> dict:
    """Delete a coupon (discounts already applied stay); emits coupon.deleted."""
    state.store.remove(coupon["id"])
    coupon["valid"] = False
    emit(state, "coupon.deleted", coupon, at=state.now(), origin=origin)
    return deleted(coupon["id"], "coupon")
