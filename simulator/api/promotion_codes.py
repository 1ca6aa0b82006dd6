"""`/v1/promotion_codes`: create, retrieve, list, update."""

from ..engine.promotion_codes import create_promotion_code, update_promotion_code
from .context import Call
from .lists import page
from .params import POSITIVE

CHECKS = {"max_redemptions": POSITIVE}


def post_promotion_code(call: Call) -> dict:
    """POST /v1/promotion_codes."""
    return create_promotion_code(call.state, call.parse(CHECKS), origin=call.origin)


def retrieve_promotion_code(call: Call) -> dict:
    """GET /v1/promotion_codes/{id}."""
    return call.state.store.require("promotion_code", call.args["id"])


def list_promotion_codes(call: Call) -> dict:
    """GET /v1/promotion_codes: by active, code (any case), coupon, customer and created."""
    p = call.params

    def accept(promo: dict) -> bool:
        return (("active" not in p or promo["active"] == p["active"])
                and ("code" not in p or promo["code"].lower() == p["code"].lower())
                and ("coupon" not in p or promo["promotion"]["coupon"] == p["coupon"])
                and ("customer" not in p or promo["customer"] == p["customer"]))
    return page(call, "promotion_code", "/v1/promotion_codes", p, accept=accept)


def post_promotion_code_update(call: Call) -> dict:
    """POST /v1/promotion_codes/{id}."""
    promo = call.state.store.require("promotion_code", call.args["id"])
    return update_promotion_code(call.state, promo, call.parse(), origin=call.origin)


ROUTES = [
    ("POST", "/v1/promotion_codes", post_promotion_code),
    ("GET", "/v1/promotion_codes", list_promotion_codes),
    ("GET", "/v1/promotion_codes/<id>", retrieve_promotion_code),
    ("POST", "/v1/promotion_codes/<id>", post_promotion_code_update),
]
