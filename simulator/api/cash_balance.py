"""A customer's cash balance: read it and its transactions; `fund_cash_balance` (a bank transfer arrives)."""

from ..engine.cash_balance import cash_balance_object, fund
from ..engine.errors import ResourceMissing
from .context import Call
from .lists import page
from .params import POSITIVE
from .reads import path_customer

KIND = "customer_cash_balance_transaction"


def cash_balance(call: Call) -> dict:
    """GET /v1/customers/{customer}/cash_balance."""
    return cash_balance_object(call.state, path_customer(call)["id"])


def fund_cash_balance(call: Call) -> dict:
    """POST /v1/test_helpers/customers/{customer}/fund_cash_balance: the `funded` transaction."""
    customer = path_customer(call)
    return fund(call.state, customer, call.parse({"amount": POSITIVE}, required=("amount", "currency")),
                origin=call.origin)


def list_transactions(call: Call) -> dict:
    """GET /v1/customers/{customer}/cash_balance_transactions, newest first."""
    customer = path_customer(call)
    return page(call, KIND, f"/v1/customers/{customer['id']}/cash_balance_transactions", call.params,
                where={"customer": customer["id"]})


def retrieve_transaction(call: Call) -> dict:
    """GET /v1/customers/{customer}/cash_balance_transactions/{id}: only one of this customer's."""
    customer = path_customer(call)
    txn = call.state.store.get(call.args["id"])
    if txn is None or txn.get("object") != KIND or txn["customer"] != customer["id"]:
        raise ResourceMissing(KIND, call.args["id"], "transaction")
    return txn


ROUTES = [
    ("GET", "/v1/customers/<customer>/cash_balance", cash_balance),
    ("GET", "/v1/customers/<customer>/cash_balance_transactions", list_transactions),
    ("GET", "/v1/customers/<customer>/cash_balance_transactions/<id>", retrieve_transaction),
    ("POST", "/v1/test_helpers/customers/<customer>/fund_cash_balance", fund_cash_balance),
]
