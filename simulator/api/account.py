"""`GET /v1/account` and `/v1/accounts/{own id}`: the key's own account, which clients such as dj-stripe fetch first;
and its balance."""

from ..engine.account import account_object
from ..engine.balance import balance_object
from ..engine.errors import PermissionDenied, ResourceMissing
from ..engine.rendering import list_object
from .context import Call


def retrieve_account(call: Call) -> dict:
    """GET /v1/account and GET /v1/accounts/{own id}."""
    wanted = call.args.get("id")
    if wanted is not None and wanted != call.state.account_id:
        raise PermissionDenied(f"The provided key does not have access to account '{wanted}' (or that account does "
                               "not exist). Application access may have been revoked.", code="account_invalid")
    return account_object(call.state)


def retrieve_balance(call: Call) -> dict:
    """GET /v1/balance: card payments, pending until available (the bypassPending test card's at once)."""
    return balance_object(call.state)


def balance_history(call: Call) -> dict:
    """GET /v1/balance/history: the fake books no balance transactions (charges carry none), so none."""
    return list_object("/v1/balance_transactions", [], False)


def balance_transaction(call: Call) -> dict:
    """GET /v1/balance/history/{id}: none exist."""
    raise ResourceMissing("balance_transaction", call.args["id"])


ROUTES = [
    ("GET", "/v1/balance", retrieve_balance),
    ("GET", "/v1/balance/history", balance_history),
    ("GET", "/v1/balance/history/<id>", balance_transaction),
    ("GET", "/v1/account", retrieve_account),
    ("GET", "/v1/accounts/<id>", retrieve_account),
]
