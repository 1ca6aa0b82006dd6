"""`/v1/payment_links`: create, update, retrieve, list, line items."""

from ..engine.payment_links import create_link, render_link, update_link
from ..engine.prices import render_price
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .params import POSITIVE


def post_link(call: Call) -> dict:
    """POST /v1/payment_links."""
    link = create_link(call.state, call.parse({"line_items.*.quantity": POSITIVE}, required=("line_items",)),
                       origin=call.origin)
    return render_link(call.state, link, call.version)


def post_link_update(call: Call) -> dict:
    """POST /v1/payment_links/{id}."""
    link = call.state.store.require("payment_link", call.args["id"])
    return render_link(call.state, update_link(call.state, link, call.parse(), origin=call.origin), call.version)


def retrieve_link(call: Call) -> dict:
    """GET /v1/payment_links/{id}."""
    return render_link(call.state, call.state.store.require("payment_link", call.args["id"]), call.version)


def list_links(call: Call) -> dict:
    """GET /v1/payment_links (`active`)."""
    p = call.params
    return page(call, "payment_link", "/v1/payment_links", p, where={"active": p["active"]} if "active" in p else None)


def line_items(state, link: dict, version: str) -> list[dict]:
    """A link's line items, as Checkout's."""
    out = []
    for item in link["items"]:
        price = state.store.get(item["price"])
        amount = (price["unit_amount"] or 0) * item["quantity"]
        out.append({"id": f"li_{link['id'][6:]}{len(out)}", "object": "item", "amount_discount": 0,
                    "amount_subtotal": amount, "amount_tax": 0, "amount_total": amount,
                    "currency": price["currency"], "description": None,
                    "price": render_price(state, price, version), "quantity": item["quantity"]})
    return out


def list_line_items(call: Call) -> dict:
    """GET /v1/payment_links/{id}/line_items."""
    link = call.state.store.require("payment_link", call.args["id"])
    return list_object(f"/v1/payment_links/{link['id']}/line_items", line_items(call.state, link, call.version),
                       False)


def include_line_items(state, link: dict, version: str) -> dict:
    """`expand[]=line_items` on a payment link: the first page its `line_items` list answers."""
    items = line_items(state, state.store.get(link["id"]), version)
    return list_object(f"/v1/payment_links/{link['id']}/line_items", items[:10], len(items) > 10)


INCLUDABLE = {("payment_link", "line_items"): include_line_items}

ROUTES = [
    ("POST", "/v1/payment_links", post_link),
    ("GET", "/v1/payment_links", list_links),
    ("GET", "/v1/payment_links/<id>", retrieve_link),
    ("POST", "/v1/payment_links/<id>", post_link_update),
    ("GET", "/v1/payment_links/<id>/line_items", list_line_items),
]
