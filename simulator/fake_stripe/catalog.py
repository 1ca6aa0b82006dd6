"""Products (with features and default prices) and tax rates."""

import copy

from ..objects.catalog import product_object, tax_rate_object
from .api import Call
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .params import merge_metadata
from .prices import create_price, price_checks
from .rendering import deleted, list_object, page
from .state import State


def create_product(state: State, p: dict, *, at: int, origin=(None, None)) -> dict:
    """Store a product (and its default price); emits product.created first, as Stripe does."""
    id = p.get("id") or state.new_id("prod")
    if id in state.store:
        raise InvalidRequest("Product already exists.", code="resource_already_exists", param="id")
    product = product_object(id=id, name=p["name"], created=at, metadata=p.get("metadata"),
                             active=p.get("active", True), description=p.get("description"),
                             images=p.get("images"), tax_code=p.get("tax_code"))
    product.update({k: p[k] for k in ("package_dimensions", "shippable", "statement_descriptor", "unit_label", "url")
                    if k in p})
    product["marketing_features"] = p.get("marketing_features") or []
    price_data = p.get("default_price_data")
    if price_data is not None:
        # The default price's id is known before product.created goes out, so the event names it.
        product["default_price"] = state.new_id("price")
    state.store.add(product)
    emit(state, "product.created", product, at=at, origin=origin)
    if price_data is not None:
        create_price(state, price_data, at=at, origin=origin, product_id=id, price_id=product["default_price"])
    return product


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
    if p.get("default_price") is not None:
        price = state.store.require("price", p["default_price"], "default_price", in_body=True)
        if price["product"] != product["id"]:
            raise InvalidParameter("The price specified is not a price of this product.", "default_price")
    old = copy.deepcopy(product)
    for field, value in p.items():
        if field == "metadata":
            product["metadata"] = merge_metadata(product["metadata"], value)
        elif field in product:  # accepted but unmodelled parameters (tax_details…) are no product field
            product[field] = value if value is not None or field not in ("images", "marketing_features") else []
    product["updated"] = state.now()
    emit(state, "product.updated", product, at=product["updated"], old=old, origin=call.origin)
    return product


def delete_product(call: Call) -> dict:
    """DELETE /v1/products/{id}: only products without prices; archive the others with active=false."""
    state = call.state
    product = state.store.require("product", call.args["id"])
    has_prices, _ = state.store.page("price", limit=1, where={"product": product["id"]})
    if has_prices:
        raise InvalidRequest("This product cannot be deleted because it has one or more user-created prices.")
    state.store.remove(product["id"])
    emit(state, "product.deleted", product, at=state.now(), origin=call.origin)
    return deleted(product["id"], "product")


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


def create_tax_rate(state: State, p: dict, *, at: int, origin=(None, None)) -> dict:
    """Store a tax rate; emits tax_rate.created."""
    if not 0 <= p["percentage"] <= 100:
        raise InvalidParameter("Invalid percentage: must be between 0 and 100", "percentage")
    rate = tax_rate_object(id=state.new_id("txr"), percentage=p["percentage"], inclusive=p["inclusive"],
                           created=at, display_name=p["display_name"], active=p.get("active", True),
                           country=p.get("country"), description=p.get("description"),
                           jurisdiction=p.get("jurisdiction"), state=p.get("state"), tax_type=p.get("tax_type"),
                           metadata=p.get("metadata"))
    state.store.add(rate)
    emit(state, "tax_rate.created", rate, at=at, origin=origin)
    return rate


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
    old = copy.deepcopy(rate)
    for field, value in p.items():
        if field == "metadata":
            rate["metadata"] = merge_metadata(rate["metadata"], value)
        elif field != "expand":
            rate[field] = value
    emit(state, "tax_rate.updated", rate, at=state.now(), old=old, origin=call.origin)
    return rate


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
