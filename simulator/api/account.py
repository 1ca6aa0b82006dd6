"""`GET /v1/account` and `/v1/accounts/{own id}`: the key's own account, which clients such as dj-stripe fetch first."""

from ..engine.account import account_object
from ..engine.errors import PermissionDenied
from .context import Call


def retrieve_account(call: Call) -> dict:
    """GET /v1/account and GET /v1/accounts/{own id}."""
    wanted = call.args.get("id")
    if wanted is not None and wanted != call.state.account_id:
        raise PermissionDenied(f"The provided key does not have access to account '{wanted}' (or that account does "
                               "not exist). Application access may have been revoked.", code="account_invalid")
    return account_object(call.state)


ROUTES = [
    ("GET", "/v1/account", retrieve_account),
    ("GET", "/v1/accounts/<id>", retrieve_account),
]
