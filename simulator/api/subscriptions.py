"""`/v1/subscriptions`: create, retrieve, list, update, cancel."""


from ..engine.subscriptions import cancel_now, change_subscription, render_subscription, subscribe
from .context import Call
from .lists import page
from .params import NON_NEGATIVE, one_of

# Rules the spec leaves out; invoices sent for payment (send_invoice) are not simulated.
CHECKS = {"items.*.quantity": NON_NEGATIVE, "collection_method": one_of("charge_automatically")}


def retrieve_subscription(call: Call) -> dict:
    """GET /v1/subscriptions/{id}."""
    return render_subscription(call.state, call.state.store.require("subscription", call.args["id"]), call.version)


def list_subscriptions(call: Call) -> dict:
    """GET /v1/subscriptions: by customer, price and status (canceled ones only when asked for)."""
    p = call.params
    status, price = p.get("status"), p.get("price") or p.get("plan")

    def accept(sub: dict) -> bool:
        if price and all(item["price"] != price for item in sub["items"]):
            return False
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in ("canceled", "incomplete_expired")
        return sub["status"] == status if status else sub["status"] != "canceled"

    where = {k: p[k] for k in ("customer", "test_clock") if k in p}
    return page(call, "subscription", "/v1/subscriptions", p, where=where, accept=accept)


def update_subscription(call: Call) -> dict:
    """POST /v1/subscriptions/{id}: price changes with proration, cancel_at_period_end, metadata."""
    state = call.state
    sub = state.store.require("subscription", call.args["id"])
    p = call.parse(CHECKS)
    if isinstance(p.get("billing_cycle_anchor"), dict):  # endive's `{type: now}` is the older `now`
        p = {**p, "billing_cycle_anchor": p["billing_cycle_anchor"]["type"]}
    change_subscription(state, sub, p, origin=call.origin)
    return render_subscription(state, sub, call.version)


def create_subscription(call: Call) -> dict:
    """POST /v1/subscriptions: charge the first period now; a declined card leaves it `incomplete`."""
    state = call.state
    p = call.parse(CHECKS, required=("customer", "items"))
    sub = subscribe(state, p, origin=call.origin)
    return render_subscription(state, sub, call.version)


def cancel_subscription(call: Call) -> dict:
    """DELETE /v1/subscriptions/{id}: cancel now; customer.subscription.deleted."""
    state = call.state
    sub = state.store.require("subscription", call.args["id"])
    p = call.parse()
    cancel_now(state, sub, p, origin=call.origin)
    return render_subscription(state, sub, call.version)

ROUTES = [
    ("GET", "/v1/subscriptions", list_subscriptions),
    ("POST", "/v1/subscriptions", create_subscription),
    ("GET", "/v1/subscriptions/<id>", retrieve_subscription),
    ("POST", "/v1/subscriptions/<id>", update_subscription),
    ("DELETE", "/v1/subscriptions/<id>", cancel_subscription),
]
