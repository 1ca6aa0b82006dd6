"""`/v1/customers`: create, retrieve, update, delete, list by email or test clock."""


from ..engine.customers import change_customer, create_customer, remove_customer
from .context import Call
from .lists import page
from .params import POSITIVE, longest

CHECKS = {"next_invoice_sequence": POSITIVE, "invoice_prefix": longest(12)}


def include_invoice_credit_balance(state, customer: dict, version: str) -> dict:
    """`expand[]=invoice_credit_balance`: credit per currency (billing credit grants are not simulated: none)."""
    return {}


def include_tax(state, customer: dict, version: str) -> dict:
    """`expand[]=tax`: Stripe Tax's view of the customer (not simulated: no location recognised)."""
    return {"automatic_tax": "unrecognized_location", "ip_address": None, "location": None, "provider": "stripe"}


def post_customer(call: Call) -> dict:
    """POST /v1/customers."""
    return create_customer(call.state, call.parse(CHECKS), origin=call.origin)


def retrieve_customer(call: Call) -> dict:
    """GET /v1/customers/{id}."""
    return call.state.store.require("customer", call.args["id"])


def update_customer(call: Call) -> dict:
    """POST /v1/customers/{id}: metadata merges, invoice_settings.default_payment_method must be attached."""
    state = call.state
    customer = state.store.require("customer", call.args["id"])
    p = call.parse(CHECKS)
    return change_customer(state, customer, p, origin=call.origin)


def delete_customer(call: Call) -> dict:
    """DELETE /v1/customers/{id}: its live subscriptions end with it."""
    state = call.state
    customer = state.store.require("customer", call.args["id"])
    return remove_customer(state, customer, origin=call.origin)


def list_customers(call: Call) -> dict:
    """GET /v1/customers: by email (exact, case-sensitive, as Stripe) and test_clock."""
    p = call.params
    return page(call, "customer", "/v1/customers", p, where={k: p[k] for k in ("email", "test_clock") if k in p})


ROUTES = [
    ("POST", "/v1/customers", post_customer),
    ("GET", "/v1/customers", list_customers),
    ("GET", "/v1/customers/<id>", retrieve_customer),
    ("POST", "/v1/customers/<id>", update_customer),
    ("DELETE", "/v1/customers/<id>", delete_customer),
]
# Fields Stripe includes only when asked (`invoice_credit_balance` is includable though the spec does not list it
# among the expandable fields; billing libraries send it on every customer call).
INCLUDABLE = {("customer", "invoice_credit_balance"): include_invoice_credit_balance,
              ("customer", "tax"): include_tax}
