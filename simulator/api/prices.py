"""`/v1/prices` and `/v1/plans`: create, update, list by lookup key; the includable `currency_options` and `tiers`."""

import copy

from ..engine.catalogue import create_product
from ..engine.errors import InvalidRequest, ResourceMissing
from ..engine.events import emit
from ..engine.prices import change_price, create_price, plan_record, render_price
from ..engine.rendering import deleted, list_object
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
    product = None
    if p.get("product") is None and "product_data" in p:
        product = create_product(call.state, p["product_data"], at=call.state.now(), origin=call.origin)["id"]
    price = create_price(call.state, p, at=call.state.now(), origin=call.origin, product_id=product)
    return render_price(call.state, price, call.version)


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


def post_plan(call: Call) -> dict:
    """POST /v1/plans: a recurring price and its plan twin (price.created, plan.created); `product` is an id or
    a new product's data."""
    state = call.state
    p = call.parse({"amount": NON_NEGATIVE, "interval_count": POSITIVE}, required=("currency", "interval"))
    if p.get("id") and p["id"] in state.store:
        raise InvalidRequest("Plan already exists.", param="id", code="resource_already_exists")
    product = p.get("product")
    if isinstance(product, dict):
        product = create_product(state, product, at=state.now(), origin=call.origin)["id"]
    if not product:
        raise InvalidRequest("Missing required param: product.", param="product", code="parameter_missing")
    price = {"currency": p["currency"], "unit_amount": p.get("amount"), "product": product,
             "recurring": {"interval": p["interval"], "interval_count": p.get("interval_count", 1),
                           "usage_type": p.get("usage_type", "licensed")},
             **{k: p[k] for k in ("active", "metadata", "nickname") if k in p}}
    if "amount_decimal" in p:
        price["unit_amount_decimal"] = p["amount_decimal"]
    return plan_record(create_price(state, price, at=state.now(), origin=call.origin, price_id=p.get("id")))


def _plan_price(call: Call) -> dict:
    price = call.state.store.get(call.args["id"])
    if price is None or price["object"] != "price" or not price["recurring"]:
        raise ResourceMissing("plan", call.args["id"])
    return price


def update_plan(call: Call) -> dict:
    """POST /v1/plans/{id}: active, metadata, nickname (price.updated, plan.updated)."""
    price = _plan_price(call)
    return plan_record(change_price(call.state, price, call.parse(), origin=call.origin))


def delete_plan(call: Call) -> dict:
    """DELETE /v1/plans/{id}: the plan and its price go (plan.deleted)."""
    state = call.state
    price = _plan_price(call)
    if any(item["price"] == price["id"] for sub in state.store.all("subscription") for item in sub["items"]
           if sub["status"] not in ("canceled", "incomplete_expired")):
        raise InvalidRequest("This plan is used by a live subscription and cannot be deleted.")
    plan = plan_record(price)
    state.store.remove(price["id"])
    emit(state, "plan.deleted", plan, at=state.now(), origin=call.origin)
    return deleted(price["id"], "plan")


def include_currency_options(state: State, obj: dict, version: str) -> dict:
    """`expand[]=currency_options`: every currency the price can be paid in."""
    return copy.deepcopy(state.store.get(obj["id"])["currency_options"])


def include_tiers(state: State, obj: dict, version: str) -> list:
    """`expand[]=tiers`."""
    return copy.deepcopy(state.store.get(obj["id"])["tiers"])


INCLUDABLE = {("price", "currency_options"): include_currency_options, ("price", "tiers"): include_tiers,
              ("plan", "tiers"): include_tiers}


ROUTES = [
    ("POST", "/v1/prices", post_price),
    ("GET", "/v1/prices", list_prices),
    ("GET", "/v1/prices/<id>", retrieve_price),
    ("POST", "/v1/prices/<id>", update_price),
    ("GET", "/v1/plans", list_plans),
    ("GET", "/v1/plans/<id>", retrieve_plan),
    ("POST", "/v1/plans", post_plan),
    ("POST", "/v1/plans/<id>", update_plan),
    ("DELETE", "/v1/plans/<id>", delete_plan),
]
