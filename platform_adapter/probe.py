"""The conformance probe: accounts, their state and events, the product loader and Checkout (docs/conformance-contract.md).

Registered only when a probe token is configured, so without one every route answers 404.
"""

import hmac
import re
import secrets
from datetime import datetime, timezone

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError

from .accounts import AccountState
from .checkout import start_checkout
from .errors import BadRequest, Conflict, Unauthorized, UnknownAccount
from .products import load_products, product_json
from .web import public_url

PROBE_PREFIX = "/api/v6/integrations/stripe/conformance"
bp = Blueprint("probe", __name__, url_prefix=PROBE_PREFIX)
REF_FORMAT = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
EMAIL_FORMAT = re.compile(r"[^@\s]+@[^@\s]+")


def iso(ts: float | None, timespec: str = "seconds") -> str | None:
    """A Unix time as ISO 8601 UTC with a Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    """ISO 8601 (naive means UTC) as a Unix time; BadRequest when it is not one."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"at={text!r} is not an ISO 8601 time (e.g. 2026-03-01T00:00:00Z)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


@bp.before_request
def require_token():
    """Every probe call carries `Authorization: Bearer <token>`."""
    expected = current_app.extensions["platform_adapter"].settings.probe_token or ""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized("probe calls need Authorization: Bearer <SIMPLEX_PROBE_TOKEN>")


@bp.post("/accounts")
def create_account():
    """Create an account; its id is the reference Checkout carries (client_reference_id, metadata)."""
    state = current_app.extensions["platform_adapter"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("email"), str) or not EMAIL_FORMAT.fullmatch(body["email"]):
        raise BadRequest('expected a JSON body {"email": "name@example.com"}')
    ref = body.get("id") or f"acc_{secrets.token_hex(8)}"
    if not isinstance(ref, str) or not REF_FORMAT.fullmatch(ref):
        raise BadRequest("id: 1-200 characters of letters, digits and _ . : -")
    try:
        with state.store.write() as tx:
            tx.create_account(ref, body["email"], state.clock())
    except IntegrityError:
        raise Conflict(f"account {ref!r} exists already") from None
    return {"id": ref, "email": body["email"]}, 201


@bp.get("/accounts/<ref>")
def read_account(ref: str):
    """The account's state; `active` is evaluated at `?at=` (default: now)."""
    state = current_app.extensions["platform_adapter"]
    at = parse_iso(request.args["at"]) if request.args.get("at") else state.clock()
    with state.store.read() as tx:
        row = tx.account_by_ref(ref)
        if row is None:
            raise UnknownAccount(f"no account {ref!r}")
        customer = tx.latest_link(row.id, "customer")
        subscription = row.subscription_id or tx.latest_link(row.id, "subscription")
    account = AccountState(row.account_type, row.paid_until, bool(row.auto_renew), subscription)
    return {"id": row.ref, "email": row.email, "accountType": account.account_type, "active": account.active(at),
            "paidUntil": iso(account.paid_until), "autoRenew": account.auto_renew,
            "customerId": customer, "subscriptionId": subscription}


@bp.get("/events")
def list_events():
    """Every delivery, oldest first, with its outcome; `?account=<ref>` keeps those about one account."""
    state = current_app.extensions["platform_adapter"]
    try:
        limit = min(int(request.args.get("limit", 1000)), 10000)
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    with state.store.read() as tx:
        rows = tx.list_deliveries(request.args.get("account"), limit=limit)
    return {"events": [{
        "id": r.id, "type": r.type, "created": r.created, "apiVersion": r.api_version,
        "receivedAt": iso(r.delivered_at, "milliseconds"), "outcome": "duplicate" if r.duplicate else r.outcome,
        "reason": "already received; nothing changed" if r.duplicate else r.reason,
        "account": r.account_ref} for r in rows]}


@bp.post("/catalogue/load")
def load_catalogue():
    """Run the product loader exactly as the admin page's "Load products" does, and show its verdict."""
    catalogue = load_products(current_app.extensions["platform_adapter"])
    return {"products": [product_json(p) for p in catalogue.products]}


@bp.post("/checkout")
def create_checkout():
    """Create the Checkout Session the Account Settings "Buy" button would for this account and price."""
    state = current_app.extensions["platform_adapter"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body[k] for k in ("account", "price")) \
            or not isinstance(body.get("currency", ""), str):
        raise BadRequest('expected a JSON body {"account": "<ref>", "price": "price_…"} (optional "currency": "usd")')
    with state.store.read() as tx:
        account = tx.account_by_ref(body["account"])
    if account is None:
        raise UnknownAccount(f"no account {body['account']!r}")
    session = start_checkout(state, account, body["price"], body.get("currency") or None,
                             public_url("account.settings"))
    return {"sessionId": session.id, "url": session.url, "mode": session.mode}, 201
