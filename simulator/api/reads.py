"""The read surface around the modelled resources: sub-resource lists and retrieves, answered from stored state.

What the fake does not model (tax ids, cash balances, Connect accounts, bank accounts) is answered as Stripe
answers an account that has none: an empty list, or `No such …` for an id.
"""

from ..engine.account import ACCOUNT_CREATED, account_object
from ..engine.cash_balance import cash_balance_object
from ..engine.errors import PermissionDenied, ResourceMissing
from ..engine.rendering import list_object, render
from ..engine.sources import sources_of
from .checkout import include_line_items
from .context import Call

CAPABILITIES = ("card_payments", "transfers")  # as account_object() shows them


def _page(call: Call, url: str, items: list[dict]) -> dict:
    """One page of an in-memory list (newest first already), honouring limit and the cursors."""
    p = call.params
    ids = [item["id"] for item in items]
    if p.get("starting_after") is not None:
        start = _position(ids, p["starting_after"], "starting_after") + 1
        chosen = items[start:start + p.get("limit", 10)]
        more = start + len(chosen) < len(items)
    elif p.get("ending_before") is not None:
        end = _position(ids, p["ending_before"], "ending_before")
        chosen = items[max(0, end - p.get("limit", 10)):end]
        more = end - len(chosen) > 0
    else:
        chosen = items[:p.get("limit", 10)]
        more = len(chosen) < len(items)
    return list_object(url, chosen, more)


def _position(ids: list[str], cursor: str, param: str) -> int:
    if cursor not in ids:
        raise ResourceMissing("object", cursor, param, in_body=True)
    return ids.index(cursor)


def _own_account(call: Call) -> str:
    """The account named in the path, which must be the fake's own (as `GET /v1/accounts/{other}` is refused)."""
    wanted = call.args["account"]
    if wanted != call.state.account_id:
        raise PermissionDenied(f"The provided key does not have access to account '{wanted}' (or that account does "
                               "not exist). Application access may have been revoked.", code="account_invalid")
    return wanted


def path_customer(call: Call) -> dict:
    """The customer a `/v1/customers/{customer}/…` path names (404 naming `customer`)."""
    return call.state.store.require("customer", call.args["customer"], "customer")


def path_subscription(call: Call) -> tuple[dict, dict]:
    """The customer and the subscription of theirs a `/v1/customers/{customer}/subscriptions/{id}/…` path names."""
    customer = path_customer(call)
    id = call.args["subscription_exposed_id"]
    sub = call.state.store.get(id)
    if sub is None or sub.get("object") != "subscription" or sub["customer"] != customer["id"]:
        raise ResourceMissing("subscription", id, "subscription_exposed_id")
    return customer, sub


def empty_list(url: str, owner):
    """A list handler for something the account has none of: checks the owner, answers an empty page."""
    def handler(call: Call) -> dict:
        owner(call)
        return list_object(url.format(**call.args), [], False)
    handler.__doc__ = f"GET {url}: always empty (not modelled)."
    return handler


def missing(kind: str, owner):
    """A retrieve handler for something the account has none of: `No such <kind>`."""
    def handler(call: Call) -> dict:
        owner(call)
        raise ResourceMissing(kind, call.args["id"])
    handler.__doc__ = f"GET one {kind}: none exist (not modelled)."
    return handler


def list_accounts(call: Call) -> dict:
    """GET /v1/accounts: connected accounts; the fake is no platform, so none."""
    return list_object("/v1/accounts", [], False)


def capability_object(name: str, account: str) -> dict:
    """One active capability of the fake's own account."""
    requirements = {"alternatives": [], "current_deadline": None, "currently_due": [], "disabled_reason": None,
                    "errors": [], "eventually_due": [], "past_due": [], "pending_verification": []}
    return {"id": name, "object": "capability", "account": account, "requested": True,
            "requested_at": ACCOUNT_CREATED, "requirements": requirements,
            "future_requirements": {**requirements, "current_deadline": None}, "status": "active"}


def list_capabilities(call: Call) -> dict:
    """GET /v1/accounts/{account}/capabilities: the ones the account object shows as active."""
    _own_account(call)
    return list_object(f"/v1/accounts/{call.state.account_id}/capabilities",
                       [capability_object(c, call.state.account_id) for c in CAPABILITIES],
                       False)


def retrieve_capability(call: Call) -> dict:
    """GET /v1/accounts/{account}/capabilities/{capability}."""
    _own_account(call)
    if call.args["capability"] not in CAPABILITIES:
        raise ResourceMissing("capability", call.args["capability"], "capability")
    return capability_object(call.args["capability"], call.state.account_id)


def include_cash_balance(state, customer: dict, version: str) -> dict:
    """`expand[]=cash_balance` on a customer: the funds its bank transfers left (engine/cash_balance.py)."""
    return cash_balance_object(state, customer["id"])


def customer_payment_method(call: Call) -> dict:
    """GET /v1/customers/{customer}/payment_methods/{payment_method}: only one attached to this customer."""
    customer = path_customer(call)
    pm = call.state.store.get(call.args["payment_method"])
    if pm is None or pm.get("object") != "payment_method" or pm.get("customer") != customer["id"]:
        raise ResourceMissing("PaymentMethod", call.args["payment_method"], "payment_method")
    return pm


def _customer_subscriptions(call: Call, customer: dict) -> list[dict]:
    """The customer's subscriptions other than canceled ones (as Stripe lists them), newest first."""
    subs = [s for s in call.state.store.all("subscription")
            if s["customer"] == customer["id"] and s["status"] != "canceled"]
    return [render(call.state, s, call.version) for s in reversed(subs)]


def customer_subscriptions(call: Call) -> dict:
    """GET /v1/customers/{customer}/subscriptions."""
    customer = path_customer(call)
    return _page(call, f"/v1/customers/{customer['id']}/subscriptions", _customer_subscriptions(call, customer))


def customer_subscription(call: Call) -> dict:
    """GET /v1/customers/{customer}/subscriptions/{subscription_exposed_id}: one of this customer's."""
    _, sub = path_subscription(call)
    return render(call.state, sub, call.version)


def _subscription_items(call: Call, sub: dict) -> list[dict]:
    return render(call.state, sub, call.version)["items"]["data"]


def list_subscription_items(call: Call) -> dict:
    """GET /v1/subscription_items?subscription=…: the subscription's items."""
    sub = call.state.store.require("subscription", call.params["subscription"], "subscription", in_body=True)
    return _page(call, "/v1/subscription_items", _subscription_items(call, sub))


def retrieve_subscription_item(call: Call) -> dict:
    """GET /v1/subscription_items/{item}."""
    for sub in call.state.store.all("subscription"):
        if any(item["id"] == call.args["item"] for item in sub["items"]):
            return next(i for i in _subscription_items(call, sub) if i["id"] == call.args["item"])
    raise ResourceMissing("subscription_item", call.args["item"])


def _charge(call: Call) -> dict:
    return call.state.store.require("charge", call.args["charge"], "charge")


def _intent(call: Call) -> dict:
    return call.state.store.require("payment_intent", call.args["intent"], "intent")


def _product(call: Call) -> dict:
    return call.state.store.require("product", call.args["product"], "product")


def charge_dispute(call: Call) -> dict:
    """GET /v1/charges/{charge}/dispute: the charge's dispute, if its card disputed it."""
    charge = _charge(call)
    found = next((d for d in call.state.store.all("dispute") if d["charge"] == charge["id"]), None)
    if found is None:
        raise ResourceMissing("dispute", charge["id"], "charge")
    return found


def charge_refunds(call: Call) -> dict:
    """GET /v1/charges/{charge}/refunds: the charge's refunds, newest first."""
    charge = _charge(call)
    refunds = [r for r in call.state.store.all("refund") if r["charge"] == charge["id"]][::-1]
    return list_object(f"/v1/charges/{charge['id']}/refunds", refunds, False)


def charge_refund(call: Call) -> dict:
    """GET /v1/charges/{charge}/refunds/{id}."""
    charge = _charge(call)
    refund = call.state.store.require("refund", call.args["id"])
    if refund["charge"] != charge["id"]:
        raise ResourceMissing("refund", call.args["id"])
    return refund


def include_customer_list(kind: str):
    """`expand[]=sources|subscriptions|tax_ids` on a customer: the list its sub-resource answers (first page)."""
    def hook(state, customer: dict, version: str) -> dict:
        data = []
        if kind == "sources":
            data = sources_of(state, customer["id"])
        if kind == "subscriptions":
            subs = [s for s in state.store.all("subscription")
                    if s["customer"] == customer["id"] and s["status"] != "canceled"]
            data = [render(state, s, version) for s in reversed(subs)]
        return list_object(f"/v1/customers/{customer['id']}/{kind}", data[:10], len(data) > 10)
    return hook


def include_breakdown(state, session: dict, version: str) -> dict:
    """`expand[]=total_details.breakdown` on a Checkout Session: its discounts and its taxes per rate."""
    taxes: dict[str, dict] = {}
    discounts: dict[str, dict] = {}
    for item in include_line_items(state, session, version)["data"]:
        for taken in item["discounts"]:
            entry = discounts.setdefault(taken["discount"]["id"], {"amount": 0, "discount": taken["discount"]})
            entry["amount"] += taken["amount"]
        for tax in item.get("taxes") or ():
            entry = taxes.setdefault(tax["rate"]["id"], {"amount": 0, "rate": tax["rate"],
                                                         "taxability_reason": tax["taxability_reason"],
                                                         "taxable_amount": 0})
            entry["amount"] += tax["amount"]
            entry["taxable_amount"] += tax["taxable_amount"]
    return {"discounts": list(discounts.values()), "taxes": list(taxes.values())}


def include_external_accounts(state, account: dict, version: str) -> dict:
    """`expand[]=external_accounts` on the account: none, as its sub-resource answers."""
    return list_object(f"/v1/accounts/{account['id']}/external_accounts", [], False)


def include_account(state, obj: dict, version: str) -> dict:
    """`expand[]=account` where an object names the own account (a capability): the account, which no store holds."""
    return account_object(state)


INCLUDABLE = {**{("customer", kind): include_customer_list(kind) for kind in ("sources", "subscriptions", "tax_ids")},
              ("customer", "cash_balance"): include_cash_balance,
              ("account", "external_accounts"): include_external_accounts, ("capability", "account"): include_account}
INCLUDABLE_IN = {("checkout.session", "total_details", "breakdown"): include_breakdown}

ROUTES = [
    ("GET", "/v1/accounts", list_accounts),
    ("GET", "/v1/accounts/<account>/capabilities", list_capabilities),
    ("GET", "/v1/accounts/<account>/capabilities/<capability>", retrieve_capability),
    *[("GET", f"/v1/accounts/<account>/{kind}", empty_list(f"/v1/accounts/{{account}}/{kind}", _own_account))
      for kind in ("external_accounts", "people", "persons")],
    ("GET", "/v1/accounts/<account>/bank_accounts/<id>", missing("external_account", _own_account)),
    ("GET", "/v1/accounts/<account>/external_accounts/<id>", missing("external_account", _own_account)),
    ("GET", "/v1/accounts/<account>/people/<id>", missing("person", _own_account)),
    ("GET", "/v1/accounts/<account>/persons/<id>", missing("person", _own_account)),
    ("GET", "/v1/charges/<charge>/refunds", charge_refunds),
    ("GET", "/v1/charges/<charge>/refunds/<id>", charge_refund),
    ("GET", "/v1/charges/<charge>/dispute", charge_dispute),
    ("GET", "/v1/payment_intents/<intent>/amount_details_line_items",
     empty_list("/v1/payment_intents/{intent}/amount_details_line_items", _intent)),
    ("GET", "/v1/products/<product>/features/<id>", missing("product_feature", _product)),
    *[("GET", f"/v1/customers/<customer>/{kind}", empty_list(f"/v1/customers/{{customer}}/{kind}", path_customer))
      for kind in ("balance_transactions", "bank_accounts", "tax_ids")],
    ("GET", "/v1/customers/<customer>/balance_transactions/<id>", missing("customer_balance_transaction", path_customer)),
    ("GET", "/v1/customers/<customer>/bank_accounts/<id>", missing("source", path_customer)),
    ("GET", "/v1/customers/<customer>/tax_ids/<id>", missing("tax_id", path_customer)),
    ("GET", "/v1/customers/<customer>/payment_methods/<payment_method>", customer_payment_method),
    ("GET", "/v1/customers/<customer>/subscriptions", customer_subscriptions),
    ("GET", "/v1/customers/<customer>/subscriptions/<subscription_exposed_id>", customer_subscription),
    ("GET", "/v1/subscription_items", list_subscription_items),
    ("GET", "/v1/subscription_items/<item>", retrieve_subscription_item),
]
