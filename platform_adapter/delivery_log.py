"""What an operator sees of webhook deliveries: refusals logged and kept, test pings, the admin panel's rows.

A refused delivery stores no event (the contract), but the operator must learn why Stripe's
deliveries fail: each one is logged at WARNING with its reason code. Refusals of deliveries whose
signature verified (not an event, Stripe or the database down) and test pings are kept (bounded) in
`webhook_attempts`; those no signature vouches for (unsigned, wrongly signed, too large, no secret
saved yet) are only counted per hour and reason, since anyone can send them: forged traffic must not
push the signed rows out, nor set the panel's warning. Nothing here ever sees the signing secret.
"""

import json
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .errors import InvalidField, PlatformError, SignatureError
from .logs import escape
from .payloads import storable

log = logging.getLogger(__name__)
KEEP = 1000  # signed refusals and test pings kept: the table must not grow without bound
COUNT_HOURS = 48  # hours of unverified refusal counts kept
AWAITED = "webhook_test.awaited"  # platform_config: the id of the test event the admin page last asked for
ASKING, ASKING_S = "asking:", 10.0  # …or that it is asking right now (since when)
PING = "v2.core.event_destination.ping"
SIGNATURE_FAILED = "signature_verification_failed"
MISMATCH_HINT = "signature did not match: is the signing secret the one of this endpoint?"
# (code or reason) -> what it means for the operator
EXPLANATIONS = {
    "signature_mismatch": MISMATCH_HINT,
    "missing_header": "no Stripe-Signature header: not sent by Stripe, or a proxy dropped the header",
    "malformed_header": "the Stripe-Signature header has no timestamp: not a Stripe signature",
    "no_v1_signature": "no v1 signature in the Stripe-Signature header: not signed the way Stripe signs",
    "timestamp_outside_tolerance": "signed more than 5 minutes before it arrived: is this server's clock right?"
                                   " (or an old request was replayed)",
    "signature_invalid": "the signature could not be checked",
    "malformed_event": "signed correctly, but the body is not a Stripe snapshot event (a thin-payload destination?)",
    "not_configured": "no webhook signing secret is configured: save it above; Stripe retries meanwhile",
    "request_entity_too_large": "the body is over 1 MiB",
    "bad_request": "the body could not be read (broken chunked encoding, or it ended early): not sent by Stripe",
    "stripe_unavailable": "Stripe could not be asked about the event's price or session; Stripe retries it",
    "storage_error": "the database failed; Stripe retries the event",
    "test_event": "test event (ping) from Stripe: the signature verified",
}
TEST_EVENT_VERIFIED = "test_event"


@dataclass(frozen=True)
class Claimed:
    """What an unverified body says about itself (shown as such; never trusted for anything else)."""

    event_id: str | None = None
    event_type: str | None = None
    account_ref: str | None = None


def _text(value, limit: int) -> str | None:
    """A claimed string as the log may keep it: control characters escaped, cut to the column, and only if any
    database can store it (a forged id must not write a line of its own in a log or a page)."""
    if not isinstance(value, str) or not value:
        return None
    value = escape(value)[:limit]
    return value if storable(value) else None


def claimed(body: bytes) -> Claimed:
    """The event id, type and account reference a body claims, if it is JSON at all."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Claimed()
    if not isinstance(event, dict):
        return Claimed()
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    ref = None
    if isinstance(obj, dict):
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        ref = obj.get("client_reference_id") or metadata.get("accountRef")
    return Claimed(_text(event.get("id"), 255), _text(event.get("type"), 100), _text(ref, 200))


def refusal(error: Exception) -> tuple[int, str, str | None]:
    """(HTTP status, error code, reason code) of a refused delivery."""
    if isinstance(error, SignatureError):
        return error.http_status, error.code, error.reason
    if isinstance(error, PlatformError):
        return error.http_status, error.code, None
    if isinstance(error, HTTPException):
        return error.code or 500, (error.name or "error").lower().replace(" ", "_"), None
    return 500, "internal_server_error", None


def _keep(state, row: dict) -> None:
    try:
        with state.store.write() as tx:
            tx.add_attempt(row, KEEP)
    except (SQLAlchemyError, PlatformError) as exc:  # the delivery's own answer matters more than its log line
        log.error("could not log a webhook delivery: %s", exc)


def _count(state, code: str, reason: str | None) -> None:
    try:
        with state.store.write() as tx:
            tx.count_refusal(code, reason, state.clock(), COUNT_HOURS)
    except (SQLAlchemyError, PlatformError) as exc:
        log.error("could not count a refused webhook delivery: %s", exc)


def _awaited(state, about: Claimed) -> bool:
    """Whether an unverified body claims to be the test event the admin page is waiting for (its id is random)."""
    if about.event_type != PING or not about.event_id:
        return False
    try:
        with state.store.read() as tx:
            awaited = tx.config_values().get(AWAITED, "")
    except (SQLAlchemyError, PlatformError):
        return False
    if awaited.startswith(ASKING):  # asked for, its id not known yet: the ping may arrive before Stripe answers
        return state.clock() - float(awaited[len(ASKING):]) < ASKING_S
    return awaited == about.event_id


def await_test_event(state, event_id: str | None) -> None:
    """Remember the test event being asked for (None: just before asking): its refusal is kept as a row."""
    with state.store.write() as tx:
        tx.set_config({AWAITED: event_id or f"{ASKING}{state.clock()}"}, state.clock())


def record_refusal(state, error: Exception, body: bytes, *, verified: bool = False) -> None:
    """Log (WARNING, with the reason code) a refused delivery; keep it if its signature verified, else count it."""
    status, code, reason = refusal(error)
    about = claimed(body)
    log.warning("webhook delivery refused: %d %s%s (event %s, type %s, %s; %s)", status, code,
                f"/{reason}" if reason else "", about.event_id or "?", about.event_type or "?",
                "signed" if verified else "claimed", EXPLANATIONS.get(reason or code, "see the error code"))
    if not verified and not _awaited(state, about):
        _count(state, code, reason)
        return
    _keep(state, {"received_at": state.clock(), "status": status, "code": code, "reason": reason,
                  "event_id": about.event_id, "event_type": about.event_type, "account_ref": about.account_ref})


def record_invalid(state, error: InvalidField, body: bytes) -> dict:
    """A verified event whose envelope (id, type, created, api_version) no row can hold: answered 200 rejected.

    Retrying cannot fix it, so it is not an error for Stripe; it is kept in the delivery log (the
    events table has no valid id or time to keep it under) and logged at WARNING.
    """
    about = claimed(body)
    log.warning("webhook event rejected: %s (event %s, type %s)", error.reason_code, about.event_id or "?",
                about.event_type or "?")
    _keep(state, {"received_at": state.clock(), "status": 200, "code": "rejected", "reason": error.reason_code,
                  "event_id": about.event_id, "event_type": about.event_type, "account_ref": about.account_ref})
    return {"received": True, "id": about.event_id, "outcome": "rejected", "reason": error.message,
            "reasonCode": error.reason_code}


def record_test_event(state, event: dict) -> dict:
    """A verified ping from Stripe: kept for the admin page's test button, answered 200, stored nowhere else."""
    event_id = _text(event.get("id"), 255)
    log.info("webhook test event %s verified", event_id)
    _keep(state, {"received_at": state.clock(), "status": 200, "code": TEST_EVENT_VERIFIED, "reason": "verified",
                  "event_id": event_id, "event_type": PING, "account_ref": None})
    return {"received": True, "id": event_id, "outcome": "ignored",
            "reason": "test event (ping): signature verified; nothing stored", "reasonCode": "test_event"}


def explain(code: str, reason: str | None) -> str:
    """The operator's explanation of a row."""
    return EXPLANATIONS.get(reason or "", EXPLANATIONS.get(code, reason or ""))


def panel(state, now: float, limit: int = 30) -> dict:
    """The admin page's panel: latest deliveries, signature failures of the last 24 h, and a diagnosis."""
    with state.store.read() as tx:
        rows = tx.recent_deliveries(limit)
        counts = tx.refusal_counts(now - 86400)
        last_stored = tx.latest_received_at()
    unverified: dict[str, int] = {}
    for (code, reason), (n, _) in counts.items():
        unverified[reason or code] = unverified.get(reason or code, 0) + n
    latest_failure = next((r for r in rows if r.code == SIGNATURE_FAILED), None)
    # A stored event or a verified test event since the failure proves the secret in force right.
    latest_verified = next((r.at for r in rows if r.code == TEST_EVENT_VERIFIED), None)
    last_ok = max((at for at in (last_stored, latest_verified) if at is not None), default=None)
    diagnosis = None
    if latest_failure is not None and (last_ok is None or latest_failure.at > last_ok):
        diagnosis = explain(latest_failure.code, latest_failure.reason)
    return {"rows": [{"at": r.at, "status": r.status, "code": r.code, "reason": r.reason, "event_id": r.event_id,
                      "event_type": r.event_type, "account": r.account_ref, "refused": r.status >= 300,
                      "explanation": explain(r.code, r.reason) if r.status >= 300 or r.code == TEST_EVENT_VERIFIED
                      else r.reason} for r in rows],
            "unverified": sum(unverified.values()), "unverified_reasons": sorted(unverified.items()),
            "diagnosis": diagnosis}
