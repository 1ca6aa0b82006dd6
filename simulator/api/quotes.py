"""`/v1/quotes`: create, update, finalize, accept, cancel, retrieve, list, line items."""

from ..engine.errors import InvalidRequest
from ..engine.quotes import accept_quote, cancel_quote, create_quote, finalize_quote, render_quote, update_quote
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .payment_links import line_items
from .params import POSITIVE, one_of

CHECKS = {"line_items.*.quantity": POSITIVE, "collection_method": one_of("charge_automatically")}


def post_quote(call: Call) -> dict:
    """POST /v1/quotes."""
    quote = create_quote(call.state, call.parse(CHECKS, required=("customer",)), origin=call.origin)
    return render_quote(call.state, quote, call.version)


def quote_action(action, parse: bool = False):
    """A POST handler that runs `action` on the quote and answers it."""
    def handler(call: Call) -> dict:
        quote = call.state.store.require("quote", call.args["id"])
        params = call.parse(CHECKS)
        result = action(call.state, quote, params, origin=call.origin) if parse else action(
            call.state, quote, origin=call.origin)
        return render_quote(call.state, result, call.version)
    handler.__name__ = handler.__doc__ = action.__name__
    return handler


def retrieve_quote(call: Call) -> dict:
    """GET /v1/quotes/{id}."""
    return render_quote(call.state, call.state.store.require("quote", call.args["id"]), call.version)


def list_quotes(call: Call) -> dict:
    """GET /v1/quotes (`customer`, `status`)."""
    p = call.params
    return page(call, "quote", "/v1/quotes", p, where={k: p[k] for k in ("customer", "status") if k in p})


def quote_line_items(suffix: str):
    """GET /v1/quotes/{id}/line_items (and computed_upfront_line_items: the same, nothing is discounted)."""
    def handler(call: Call) -> dict:
        quote = call.state.store.require("quote", call.args["id"])
        return list_object(f"/v1/quotes/{quote['id']}/{suffix}", line_items(call.state, quote, call.version), False)
    handler.__name__ = handler.__doc__ = f"quote_{suffix}"
    return handler


def quote_pdf(call: Call) -> dict:
    """GET /v1/quotes/{id}/pdf: the fake renders no PDFs."""
    quote = call.state.store.require("quote", call.args["id"])
    raise InvalidRequest(f"The fake Stripe renders no PDF of {quote['id']}.", code="resource_missing",
                         http_status=404)


def include_line_items(state, quote: dict, version: str) -> dict:
    """`expand[]=line_items` on a quote: the first page its `line_items` list answers."""
    items = line_items(state, state.store.get(quote["id"]), version)
    return list_object(f"/v1/quotes/{quote['id']}/line_items", items[:10], len(items) > 10)


INCLUDABLE = {("quote", "line_items"): include_line_items}

ROUTES = [
    ("GET", "/v1/quotes/<id>/line_items", quote_line_items("line_items")),
    ("GET", "/v1/quotes/<id>/computed_upfront_line_items", quote_line_items("computed_upfront_line_items")),
    ("GET", "/v1/quotes/<id>/pdf", quote_pdf),
    ("POST", "/v1/quotes", post_quote),
    ("GET", "/v1/quotes", list_quotes),
    ("GET", "/v1/quotes/<id>", retrieve_quote),
    ("POST", "/v1/quotes/<id>", quote_action(update_quote, parse=True)),
    ("POST", "/v1/quotes/<id>/finalize", quote_action(finalize_quote)),
    ("POST", "/v1/quotes/<id>/accept", quote_action(accept_quote)),
    ("POST", "/v1/quotes/<id>/cancel", quote_action(cancel_quote)),
]
