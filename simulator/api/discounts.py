"""A customer's and a subscription's discount: `/v1/customers/{customer}/discount` (read, delete) and
`/v1/customers/{customer}/subscriptions/{id}/discount` (read)."""

from ..engine.customers import remove_discount
from ..engine.discounts import render_discount
from ..engine.errors import ResourceMissing
from .context import Call
from .reads import path_customer, path_subscription


def customer_discount(call: Call) -> dict:
    """GET /v1/customers/{customer}/discount."""
    customer = path_customer(call)
    if not customer.get("discount"):
        raise ResourceMissing("discount", customer["id"], "customer")
    return customer["discount"]


def delete_customer_discount(call: Call) -> dict:
    """DELETE /v1/customers/{customer}/discount: customer.discount.deleted."""
    return remove_discount(call.state, path_customer(call), origin=call.origin)


def subscription_discount(call: Call) -> dict:
    """GET /v1/customers/{customer}/subscriptions/{id}/discount: the subscription's first discount."""
    _, sub = path_subscription(call)
    found = call.state.store.get(sub["discounts"][0]) if sub.get("discounts") else None
    if found is None:
        raise ResourceMissing("discount", sub["id"], "subscription_exposed_id")
    return render_discount(call.state, found, call.version)


ROUTES = [
    ("GET", "/v1/customers/<customer>/discount", customer_discount),
    ("DELETE", "/v1/customers/<customer>/discount", delete_customer_discount),
    ("GET", "/v1/customers/<customer>/subscriptions/<subscription_exposed_id>/discount", subscription_discount),
]
