"""Products and tax rates: create, change, remove, with their events."""

import copy

from ..objects.catalogue import product_object, tax_rate_object
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .prices import check_price, create_price
from .rendering import deleted
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
        check_price(state, price_data)
        # The default price's id is known before product.created goes out, so the event names it.
        product["default_price"] = state.new_id("price")
    state.store.add(product)
    emit(state, "product.created", product, at=at, origin=origin)
    if price_data is not None:
        create_price(state, price_data, at=at, origin=origin, product_id=id, price_id=product["default_price"])
    return product


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


def change_product(state: State, product: dict, p: dict, *, origin=(None, None)) -> dict:
    """Update a product: metadata is merged key by key, like Stripe."""
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
    emit(state, "product.updated", product, at=product["updated"], old=old, origin=origin)
    return product


def remove_product(state: State, product: dict, *, origin=(None, None)) -> dict:
    """Delete a product without prices (archive the others with active=false)."""
    has_prices, _ = state.store.page("price", limit=1, where={"product": product["id"]})
    if has_prices:
        raise InvalidRequest("This product cannot be deleted because it has one or more user-created prices.")
    state.store.remove(product["id"])
    emit(state, "product.deleted", product, at=state.now(), origin=origin)
    return deleted(product["id"], "product")


def change_tax_rate(state: State, rate: dict, p: dict, *, origin=(None, None)) -> dict:
    """Update a tax rate (percentage and inclusive are immutable)."""
    old = copy.deepcopy(rate)
    for field, value in p.items():
        if field == "metadata":
            rate["metadata"] = merge_metadata(rate["metadata"], value)
        elif field != "expand":
            rate[field] = value
    emit(state, "tax_rate.updated", rate, at=state.now(), old=old, origin=origin)
    return rate
