"""The conformance probe: accounts, their state and events, the product loader and Checkout (docs/conformance-contract.md).

Registered only when a probe token is configured, so without one every route answers 404.
"""

import base64
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError

from .accounts import AccountState
from .checkout import start_checkout
from .errors import BadRequest, Conflict, KeysRefused, StripeAuthFailed, Unauthorized, UnknownAccount
from .faults import MAX_FAILURES
from .keys import check_keys
from .ledger import ALREADY_RECEIVED
from .catalogue.loader import load_products, product_json
from .payloads import MAX_TIME, storable
from .stripe_audit import client_for
from .stripe_gateway import calling_stripe
from .web import public_url

PROBE_PREFIX = "/api/v6/integrations/stripe/conformance"
bp = Blueprint("probe", __name__, url_prefix=PROBE_PREFIX)
REF_FORMAT = re.compile(r"[A-Za-z0-9_.:-]{1,200}")
EMAIL_FORMAT = re.compile(r"[^@\s]+@[^@\s]+")
DEFAULT_LIMIT, MAX_LIMIT, MAX_IDS = 1000, 10000, 100
# The contract's names of the three keys -> the admin page's fields.
KEY_FIELDS = {"publishableKey": "stripe_publishable_key", "secretKey": "stripe_secret_key",
              "webhookSecret": "webhook_secret"}


def iso(ts: float | None, timespec: str = "seconds") -> str | None:
    """A Unix time as ISO 8601 UTC with a Z."""
    if ts is None:
        return None
    # An older version could store a time past 9999 (`platform repair` fixes it): shown as the last second there is.
    ts = min(max(ts, 0), MAX_TIME) if isinstance(ts, (int, float)) and ts == ts else 0
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    """ISO 8601 (naive means UTC) as a Unix time; BadRequest when it is not one."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"at={text!r} is not an ISO 8601 time (e.g. 2026-03-01T00:00:00Z)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


def json_body(fields: dict[str, bool], usage: str) -> dict:
    """The request's JSON object with each named field a storable string (name -> required), else BadRequest.

    Every field is checked for type and for text any database and HTTP header can carry (no NUL, no lone
    surrogate): such a value must be a 400, never a 500 further in.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest(f"expected a JSON body {usage}")
    for name, required in fields.items():
        if name not in body and not required:
            continue
        value = body.get(name)
        if not isinstance(value, str) or (required and not value):
            raise BadRequest(f"{name}: expected a non-empty string; a JSON body {usage}")
        if not storable(value):
            raise BadRequest(f"{name}: text with NUL or a lone surrogate cannot be stored or sent")
    return body


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
    body = json_body({"email": True, "id": False}, '{"email": "name@example.com"} (optional "id": "<ref>")')
    if not EMAIL_FORMAT.fullmatch(body["email"]) or len(body["email"]) > 320:
        raise BadRequest('email: expected an address such as name@example.com (at most 320 characters)')
    ref = body["id"] if "id" in body else f"acc_{secrets.token_hex(8)}"  # null, "" or 7 is a 400, not a new id
    if not REF_FORMAT.fullmatch(ref):
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
    """Deliveries with their outcomes, a page at a time: `?account=`, `?id=` (repeatable), `?order=`, `?after=`."""
    state = current_app.extensions["platform_adapter"]
    query = events_query(request.args)
    with state.store.read() as tx:
        rows = tx.list_deliveries(query.account, limit=query.limit + 1, ids=query.ids,
                                  newest_first=query.newest_first, after=query.after)
    page = rows[:query.limit]
    return {"events": [{
        "id": r.id, "type": r.type, "created": r.created, "apiVersion": r.api_version,
        "receivedAt": iso(r.delivered_at, "milliseconds"), "outcome": "duplicate" if r.duplicate else r.outcome,
        "reason": "already received; nothing changed" if r.duplicate else r.reason,
        "reasonCode": ALREADY_RECEIVED if r.duplicate else r.reason_code, "account": r.account_ref} for r in page],
        "next": cursor_of(page[-1]) if len(rows) > query.limit else None}


@dataclass(frozen=True)
class EventsQuery:
    """The event list's query string, checked."""

    account: str | None
    ids: list[str] | None
    limit: int
    newest_first: bool
    after: tuple | None


def events_query(args) -> EventsQuery:
    """Parse `account`, `id`, `limit`, `order` and `after`; BadRequest for anything out of contract."""
    try:
        limit = min(int(args.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)  # larger asks get the most there is
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    if limit < 1:
        raise BadRequest("limit must be at least 1")
    order = args.get("order", "oldest")
    if order not in ("oldest", "newest"):
        raise BadRequest("order must be 'oldest' or 'newest'")
    ids = args.getlist("id") or None
    if ids is not None and len(ids) > MAX_IDS:
        raise BadRequest(f"at most {MAX_IDS} id parameters per call")
    after = parse_cursor(args["after"]) if args.get("after") else None
    return EventsQuery(args.get("account"), ids, limit, order == "newest", after)


def cursor_of(row) -> str:
    """An opaque cursor: the sort key of the last row of a page."""
    key = [row.delivered_at, bool(row.duplicate), row.id, row.seq]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def parse_cursor(text: str) -> tuple:
    """The sort key inside a cursor made by `cursor_of`; BadRequest for anything else."""
    try:
        at, duplicate, event_id, seq = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if isinstance(at, (int, float)) and isinstance(duplicate, bool) and isinstance(event_id, str) \
                and isinstance(seq, int):
            return float(at), duplicate, event_id, seq
    except (ValueError, TypeError):
        pass
    raise BadRequest("after must be the 'next' value of a previous page")


@bp.post("/catalogue/load")
def load_catalogue():
    """Run the product loader exactly as the admin page's "Load products" does, and show its verdict."""
    catalogue = load_products(current_app.extensions["platform_adapter"])
    return {"products": [product_json(p) for p in catalogue.products]}


@bp.post("/configuration/check")
def check_configuration():
    """Check three keys as the admin page's Save does, then the secret key with Stripe as Load products does; stores nothing."""
    state = current_app.extensions["platform_adapter"]
    body = json_body(dict.fromkeys(KEY_FIELDS, False),
                     '{"publishableKey": "pk_…", "secretKey": "sk_…", "webhookSecret": "whsec_…"}')
    form = {name: body.get(key, "") for key, name in KEY_FIELDS.items()}
    result = check_keys(form, {})  # every key must be given: nothing saved stands in for a missing one
    refused = {key: result.codes[name] for key, name in KEY_FIELDS.items() if name in result.codes}
    if not refused:
        try:
            with calling_stripe("list products", state.settings):
                client_for(form["stripe_secret_key"], state.settings.stripe_api_base, timeout=10) \
                    .v1.products.list({"limit": 1})
        except StripeAuthFailed:
            refused["secretKey"] = "stripe_refused"
    if refused:
        raise KeysRefused("these keys cannot be saved: " + ", ".join(f"{k} ({c})" for k, c in refused.items()),
                          fields=refused)
    return {"ok": True}


@bp.post("/faults")
def arm_faults():
    """The fault switch: the next `failDeliveries` deliveries of the four events fail before they commit (500)."""
    body = request.get_json(silent=True)
    count = body.get("failDeliveries") if isinstance(body, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_FAILURES:
        raise BadRequest(f'expected a JSON body {{"failDeliveries": n}} with n from 0 to {MAX_FAILURES}')
    current_app.extensions["platform_adapter"].faults.arm(count)
    return {"failDeliveries": count}


@bp.post("/checkout")
def create_checkout():
    """Create the Checkout Session the Account Settings "Buy" button would for this account and price."""
    state = current_app.extensions["platform_adapter"]
    body = json_body({"account": True, "price": True, "currency": False},
                     '{"account": "<ref>", "price": "price_…"} (optional "currency": "usd")')
    with state.store.read() as tx:
        account = tx.account_by_ref(body["account"])
    if account is None:
        raise UnknownAccount(f"no account {body['account']!r}")
    session = start_checkout(state, account, body["price"], body.get("currency") or None,
                             public_url("account.settings"))
    return {"sessionId": session.id, "url": session.url, "mode": session.mode}, 201
