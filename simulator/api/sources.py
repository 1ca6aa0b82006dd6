"""`/v1/customers/{id}/sources` and `/cards`: a customer's card sources — add, list, retrieve, update, delete."""

from ..engine.rendering import list_object
from ..engine.sources import add_source, owned, remove_source, sources_of, update_source
from .context import Call


def _customer(call: Call) -> dict:
    return call.state.store.require("customer", call.args["customer"], "customer")


def post_source(call: Call) -> dict:
    """POST /v1/customers/{customer}/sources: `source=tok_visa` (test card tokens only)."""
    customer = _customer(call)
    p = call.parse(required=("source",))
    return add_source(call.state, customer, p["source"], metadata=p.get("metadata"), origin=call.origin)


def list_sources(kind: str):
    """GET …/sources (`object=card`) or …/cards."""
    def handler(call: Call) -> dict:
        customer = _customer(call)
        wanted = call.params.get("object", "card")
        cards = sources_of(call.state, customer["id"]) if wanted == "card" else []
        limit = call.params.get("limit", 10)
        return list_object(f"/v1/customers/{customer['id']}/{kind}", cards[:limit], len(cards) > limit)
    handler.__name__ = f"list_{kind}"
    handler.__doc__ = f"GET /v1/customers/{{customer}}/{kind}."
    return handler


def retrieve_source(call: Call) -> dict:
    """GET …/sources/{id} and …/cards/{id}."""
    return owned(call.state, _customer(call), call.args["id"])


def post_source_update(call: Call) -> dict:
    """POST …/sources/{id}."""
    card = owned(call.state, _customer(call), call.args["id"])
    return update_source(call.state, card, call.parse(), origin=call.origin)


def delete_source(call: Call) -> dict:
    """DELETE …/sources/{id}."""
    customer = _customer(call)
    return remove_source(call.state, customer, owned(call.state, customer, call.args["id"]), origin=call.origin)


ROUTES = [
    ("POST", "/v1/customers/<customer>/sources", post_source),
    ("GET", "/v1/customers/<customer>/sources", list_sources("sources")),
    ("GET", "/v1/customers/<customer>/cards", list_sources("cards")),
    ("GET", "/v1/customers/<customer>/sources/<id>", retrieve_source),
    ("GET", "/v1/customers/<customer>/cards/<id>", retrieve_source),
    ("POST", "/v1/customers/<customer>/sources/<id>", post_source_update),
    ("DELETE", "/v1/customers/<customer>/sources/<id>", delete_source),
]
