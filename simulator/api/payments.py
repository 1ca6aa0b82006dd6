"""`/v1/payment_methods`, `/v1/payment_intents` and `/v1/charges`: cards from test tokens, attach, detach, reads."""


from ..engine.payments import attach, card_payment_method, detach, update_payment_method
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .params import one_of

# Cards, SEPA and ACH debits are simulated (the schema takes every payment method type Stripe has).
CHECKS = {"type": one_of("card", "sepa_debit", "us_bank_account")}


def create_payment_method(call: Call) -> dict:
    """POST /v1/payment_methods: a card from a test token (`card[token]=tok_visa`) or a test card number."""
    state = call.state
    p = call.parse(CHECKS, required=("type",))
    return card_payment_method(state, p, origin=call.origin)


def retrieve(kind: str):
    """A GET-by-id handler for `kind`."""
    def handler(call: Call) -> dict:
        return call.state.store.require(kind, call.args["id"])
    handler.__name__ = f"retrieve_{kind}"
    handler.__doc__ = f"GET one {kind}."
    return handler


def list_intents(call: Call) -> dict:
    """GET /v1/payment_intents."""
    p = call.params
    return page(call, "payment_intent", "/v1/payment_intents", p,
                where={"customer": p["customer"]} if "customer" in p else None)


def list_charges(call: Call) -> dict:
    """GET /v1/charges."""
    p = call.params
    return page(call, "charge", "/v1/charges", p,
                where={k: p[k] for k in ("customer", "payment_intent") if k in p})


def list_payment_methods(call: Call) -> dict:
    """GET /v1/payment_methods and /v1/customers/{id}/payment_methods."""
    p = call.params
    customer = call.args.get("id") or p.get("customer")
    url = f"/v1/customers/{customer}/payment_methods" if "id" in call.args else "/v1/payment_methods"
    return page(call, "payment_method", url, p, where={"customer": customer} if customer else None,
                accept=lambda pm: p.get("type", pm["type"]) == pm["type"])


def attach_payment_method(call: Call) -> dict:
    """POST /v1/payment_methods/{id}/attach."""
    p = call.parse(required=("customer",))  # the spec also allows customer_account, which is not simulated
    customer = call.state.store.require("customer", p["customer"], "customer", in_body=True)
    return attach(call.state, call.args["id"], customer, at=call.state.now(customer["test_clock"]),
                  origin=call.origin)


def post_payment_method_update(call: Call) -> dict:
    """POST /v1/payment_methods/{id}: metadata and billing details."""
    pm = call.state.store.require("payment_method", call.args["id"])
    return update_payment_method(call.state, pm, call.parse(), origin=call.origin)


def detach_payment_method(call: Call) -> dict:
    """POST /v1/payment_methods/{id}/detach."""
    state = call.state
    pm = call.state.store.require("payment_method", call.args["id"])
    return detach(state, pm, origin=call.origin)


ROUTES = [
    ("GET", "/v1/payment_intents", list_intents),
    ("GET", "/v1/payment_intents/<id>", retrieve("payment_intent")),
    ("GET", "/v1/charges", list_charges),
    ("GET", "/v1/charges/<id>", retrieve("charge")),
    ("GET", "/v1/payment_methods", list_payment_methods),
    ("POST", "/v1/payment_methods", create_payment_method),
    ("GET", "/v1/payment_methods/<id>", retrieve("payment_method")),
    ("POST", "/v1/payment_methods/<id>", post_payment_method_update),
    ("POST", "/v1/payment_methods/<id>/attach", attach_payment_method),
    ("POST", "/v1/payment_methods/<id>/detach", detach_payment_method),
    ("GET", "/v1/customers/<id>/payment_methods", list_payment_methods),
]


def include_refunds(state, charge: dict, version: str) -> dict:
    """`expand[]=refunds` on a charge: its refunds (refunds are not simulated: an empty first page)."""
    return list_object(f"/v1/charges/{charge['id']}/refunds", [], False)


INCLUDABLE = {("charge", "refunds"): include_refunds}
