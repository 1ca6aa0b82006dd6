"""`/v1/prices` and `/v1/plans`: create, update, list by lookup key; the includable `currency_options` and `tiers`."""

import copy

from ..engine.errors import ResourceMissing
from ..engine.prices import change_price, create_price, plan_record, render_price
from ..engine.rendering import list_object
from ..engine.state import State
from ..objects.subscriptions import plan_from_price
from .context import Call
from .lists import page
from .params import NON_NEGATIVE, POSITIVE


def price_checks(prefix: str = "") -> dict:
    """What Stripe checks of a price's data (under `prefix`) that its spec does not state: no negative amounts,
    intervals and divisors of at least one."""
    amounts = ("unit_amount", "tiers.*.unit_amount", "tiers.*.flat_amount", "currency_options.*.unit_amount",
               "currency_options.*.tiers.*.unit_amount", "currency_options.*.tiers.*.flat_amount")
    return {**{prefix + path: NON_NEGATIVE for path in amounts},
            prefix + "recurring.interval_count": POSITIVE, prefix + "transform_quantity.divide_by": POSITIVE}


def post_price(call: Call) -> dict:
    """POST /v1/prices."""
    p = call.parse(price_checks())
    return render_price(call.state, create_price(call.state, p, at=call.state.now(), origin=call.origin), call.version)


def retrieve_price(call: Call) -> dict:
    """GET /v1/prices/{id}."""
    return render_price(call.state, call.state.store.require("price", call.args["id"]), call.version)


def update_price(call: Call) -> dict:
    """POST /v1/prices/{id}: only the mutable fields; amounts and intervals are fixed once created."""
    state = call.state
    price = state.store.require("price", call.args["id"])
    p = call.parse(price_checks())
    change_price(state, price, p, origin=call.origin)
    return render_price(state, price, call.version)


def list_prices(call: Call) -> dict:
    """GET /v1/prices: by product, active, type, currency, recurring and lookup_keys."""
    p = call.params
    where = {k: p[k] for k in ("product", "active", "type") if k in p}
    if "currency" in p:
        where["currency"] = p["currency"].lower()
    keys, rec = p.get("lookup_keys"), p.get("recurring") or {}

    def accept(price: dict) -> bool:
        if keys and price["lookup_key"] not in keys:
            return False
        return all((price["recurring"] or {}).get(k) == v for k, v in rec.items())

    return page(call, "price", "/v1/prices", p, where=where, accept=accept if keys or rec else None)


def retrieve_plan(call: Call) -> dict:
    """GET /v1/plans/{id}: the plan twin of a recurring price."""
    price = call.state.store.get(call.args["id"])
    if price is None or price["object"] != "price" or not price["recurring"]:
        raise ResourceMissing("plan", call.args["id"])
    return plan_record(price)


def list_plans(call: Call) -> dict:
    """GET /v1/plans: recurring prices as plans."""
    p = call.params
    where = {k: p[k] for k in ("product", "active") if k in p}
    listed = page(call, "price", "/v1/plans", p, where={**where, "type": "recurring"})
    return list_object("/v1/plans", [plan_from_price(price) for price in listed["data"]], listed["has_more"])


def include_currency_options(state: State, obj: dict, version: str) -> dict:
    """`expand[]=currency_options`: every currency the price can be paid in."""
    return copy.deepcopy(state.store.get(obj["id"])["currency_options"])


def include_tiers(state: State, obj: dict, version: str) -> list:
    """`expand[]=tiers`."""
    return copy.deepcopy(state.store.get(obj["id"])["tiers"])


INCLUDABLE = {("price", "currency_options"): include_currency_options, ("price", "tiers"): include_tiers}


ROUTES = [
    ("POST", "/v1/prices", post_price),
    ("GET", "/v1/prices", list_prices),
    ("GET", "/v1/prices/<id>", retrieve_price),
    ("POST", "/v1/prices/<id>", update_price),
    ("GET", "/v1/plans", list_plans),
    ("GET", "/v1/plans/<id>", retrieve_plan),
]
