"""`/v1/checkout/sessions`: create, retrieve, list, line items, expire; `expand[]=line_items`."""

from ..engine.checkout import expire_open, open_session, render_line_items, render_session
from ..engine.rendering import list_object
from ..engine.state import State
from .context import Call
from .lists import page
from .params import NON_NEGATIVE, longest, one_of

# Rules the spec leaves out; the other real parameters (branding, `allow_promotion_codes`, trial settings…) are
# accepted and ignored (the hosted page has no code field), and embedded or custom UI modes are not simulated.
CHECKS = {"line_items.*.quantity": NON_NEGATIVE, "ui_mode": one_of("hosted", "hosted_page"),
          "success_url": longest(5000), "cancel_url": longest(5000)}


def create_session(call: Call) -> dict:
    """POST /v1/checkout/sessions."""
    p = call.parse(CHECKS, required=("mode",))
    session = open_session(call.state, p)
    return render_session(call.state, session, call.version)


def retrieve_session(call: Call) -> dict:
    """GET /v1/checkout/sessions/{id} (`expand[]=line_items` includes the items)."""
    return render_session(call.state, call.state.store.require("checkout.session", call.args["id"]), call.version)


def list_line_items(call: Call) -> dict:
    """GET /v1/checkout/sessions/{id}/line_items."""
    p = call.params
    record = call.state.store.require("checkout.session", call.args["id"])
    items = render_line_items(call.state, record, call.version)
    ids = [i["id"] for i in items]
    start = ids.index(p["starting_after"]) + 1 if p.get("starting_after") in ids else 0
    end = ids.index(p["ending_before"]) if p.get("ending_before") in ids else len(items)
    chosen = items[start:end][:p.get("limit", 10)]
    return list_object(f"/v1/checkout/sessions/{record['id']}/line_items", chosen,
                       start + len(chosen) < end)


def include_line_items(state: State, obj: dict, version: str) -> dict:
    """`expand[]=line_items` on a session."""
    items = render_line_items(state, state.store.get(obj["id"]), version)
    return list_object(f"/v1/checkout/sessions/{obj['id']}/line_items", items, False)


def expire_session(call: Call) -> dict:
    """POST /v1/checkout/sessions/{id}/expire."""
    session = call.state.store.require("checkout.session", call.args["id"])
    expire_open(call.state, session, origin=call.origin)
    return render_session(call.state, session, call.version)


def list_sessions(call: Call) -> dict:
    """GET /v1/checkout/sessions: by customer, payment_intent, subscription and status."""
    p = call.params
    where = {k: p[k] for k in ("customer", "payment_intent", "subscription", "status") if k in p}
    return page(call, "checkout.session", "/v1/checkout/sessions", p, where=where)


INCLUDABLE = {("checkout.session", "line_items"): include_line_items}


ROUTES = [
    ("POST", "/v1/checkout/sessions", create_session),
    ("GET", "/v1/checkout/sessions", list_sessions),
    ("GET", "/v1/checkout/sessions/<id>", retrieve_session),
    ("GET", "/v1/checkout/sessions/<id>/line_items", list_line_items),
    ("POST", "/v1/checkout/sessions/<id>/expire", expire_session),
]
