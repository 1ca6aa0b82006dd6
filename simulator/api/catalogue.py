"""`/v1/products` (with features) and `/v1/tax_rates`: parse, call the engine's catalogue, render."""


from ..engine.catalogue import change_product, change_tax_rate, create_product, create_tax_rate, remove_product
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .prices import price_checks


def post_product(call: Call) -> dict:
    """POST /v1/products."""
    p = call.parse(price_checks("default_price_data."))
    return create_product(call.state, p, at=call.state.now(), origin=call.origin)


def retrieve_product(call: Call) -> dict:
    """GET /v1/products/{id}."""
    return call.state.store.require("product", call.args["id"])


def update_product(call: Call) -> dict:
    """POST /v1/products/{id}: metadata is merged key by key, like Stripe."""
    state = call.state
    product = state.store.require("product", call.args["id"])
    p = call.parse()
    return change_product(state, product, p, origin=call.origin)


def delete_product(call: Call) -> dict:
    """DELETE /v1/products/{id}: only products without prices; archive the others with active=false."""
    state = call.state
    product = state.store.require("product", call.args["id"])
    return remove_product(state, product, origin=call.origin)


def list_products(call: Call) -> dict:
    """GET /v1/products: by active, ids[], shippable, type, url."""
    p = call.params
    where = {k: p[k] for k in ("active", "shippable", "url") if k in p}
    ids = set(p.get("ids") or ())
    return page(call, "product", "/v1/products", p, where=where,
                accept=(lambda product: product["id"] in ids) if ids else None)


def list_features(call: Call) -> dict:
    """GET /v1/products/{id}/features: entitlement features are not modelled, so always empty."""
    call.state.store.require("product", call.args["id"])
    return list_object(f"/v1/products/{call.args['id']}/features", [], False)


def post_tax_rate(call: Call) -> dict:
    """POST /v1/tax_rates."""
    p = call.parse()
    return create_tax_rate(call.state, p, at=call.state.now(), origin=call.origin)


def retrieve_tax_rate(call: Call) -> dict:
    """GET /v1/tax_rates/{id}."""
    return call.state.store.require("tax_rate", call.args["id"])


def update_tax_rate(call: Call) -> dict:
    """POST /v1/tax_rates/{id}: percentage and inclusive are immutable (unknown parameters here)."""
    state = call.state
    rate = state.store.require("tax_rate", call.args["id"])
    p = call.parse()
    return change_tax_rate(state, rate, p, origin=call.origin)


def list_tax_rates(call: Call) -> dict:
    """GET /v1/tax_rates: by active and inclusive."""
    p = call.params
    return page(call, "tax_rate", "/v1/tax_rates", p, where={k: p[k] for k in ("active", "inclusive") if k in p})


ROUTES = [
    ("POST", "/v1/products", post_product),
    ("GET", "/v1/products", list_products),
    ("GET", "/v1/products/<id>", retrieve_product),
    ("POST", "/v1/products/<id>", update_product),
    ("DELETE", "/v1/products/<id>", delete_product),
    ("GET", "/v1/products/<id>/features", list_features),
    ("POST", "/v1/tax_rates", post_tax_rate),
    ("GET", "/v1/tax_rates", list_tax_rates),
    ("GET", "/v1/tax_rates/<id>", retrieve_tax_rate),
    ("POST", "/v1/tax_rates/<id>", update_tax_rate),
]
