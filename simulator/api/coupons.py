"""`/v1/coupons`: create, retrieve, list, update, delete."""

from ..engine.coupons import create_coupon, delete_coupon, update_coupon
from .context import Call
from .lists import page
from .params import POSITIVE


def post_coupon(call: Call) -> dict:
    """POST /v1/coupons."""
    p = call.parse({"amount_off": POSITIVE, "duration_in_months": POSITIVE, "max_redemptions": POSITIVE})
    return create_coupon(call.state, p, origin=call.origin)


def retrieve_coupon(call: Call) -> dict:
    """GET /v1/coupons/{id}."""
    return call.state.store.require("coupon", call.args["id"])


def list_coupons(call: Call) -> dict:
    """GET /v1/coupons."""
    return page(call, "coupon", "/v1/coupons", call.params)


def post_coupon_update(call: Call) -> dict:
    """POST /v1/coupons/{id}."""
    coupon = call.state.store.require("coupon", call.args["id"])
    return update_coupon(call.state, coupon, call.parse(), origin=call.origin)


def remove_coupon(call: Call) -> dict:
    """DELETE /v1/coupons/{id}."""
    return delete_coupon(call.state, call.state.store.require("coupon", call.args["id"]), origin=call.origin)


def include_currency_options(state, coupon: dict, version: str) -> dict:
    """`expand[]=currency_options`: an amount-off coupon's amount per currency (the fake takes one currency)."""
    if coupon.get("amount_off") is None:
        return {}
    return {coupon["currency"]: {"amount_off": coupon["amount_off"]}}


INCLUDABLE = {("coupon", "currency_options"): include_currency_options}

ROUTES = [
    ("POST", "/v1/coupons", post_coupon),
    ("GET", "/v1/coupons", list_coupons),
    ("GET", "/v1/coupons/<id>", retrieve_coupon),
    ("POST", "/v1/coupons/<id>", post_coupon_update),
    ("DELETE", "/v1/coupons/<id>", remove_coupon),
]
