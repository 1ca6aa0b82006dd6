"""The webhook endpoint: verify with the official SDK, then store and apply the event idempotently."""

import json
import logging

import stripe
from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException

from . import delivery_log, ledger
from .errors import MalformedEvent, NotConfigured, PlatformError, SignatureError
from .facts import EventMeta, interpret
from .stripe_gateway import Resolver

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"

# stripe-python's messages (stripe-behaviour.md §1.3) -> a stable reason code for the 400 body.
SIGNATURE_REASONS = (
    ("No Stripe-Signature header", "missing_header"),
    ("Unable to extract timestamp", "malformed_header"),
    ("expected scheme v1", "no_v1_signature"),
    ("matching the expected signature", "signature_mismatch"),
    ("outside the tolerance zone", "timestamp_outside_tolerance"),
    ("No webhook secret", "no_secret_configured"),
)


def verify_event(body: bytes, header: str | None, secret: str, *, tolerance_s: int) -> dict:
    """The verified event as plain dicts; SignatureError or MalformedEvent (both 400) otherwise.

    The check is the SDK's `WebhookSignature.verify_header`, exactly what `construct_event` runs
    first; the platform then reads plain JSON instead of building StripeObjects it never uses.
    """
    if not header:
        raise SignatureError("no Stripe-Signature header", reason="missing_header")
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance_s)
    except stripe.SignatureVerificationError as exc:
        message = str(exc)
        reason = next((code for text, code in SIGNATURE_REASONS if text in message), "signature_invalid")
        raise SignatureError(message, reason=reason) from exc
    except UnicodeDecodeError as exc:  # the SDK decodes the body as UTF-8 before checking it
        raise MalformedEvent(f"body is not UTF-8: {exc}") from exc
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEvent(f"signed body is not JSON: {exc}") from exc
    if not isinstance(event, dict) or (event.get("object") == "v2.core.event"
                                       and event.get("type") != delivery_log.PING):
        raise MalformedEvent("signed body is not a snapshot event (thin v2 events are not configured here)")
    return event


def event_meta(event: dict) -> EventMeta:
    """The envelope, checked: a signed body that is not an event is still a bad request."""
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) \
            or not isinstance(created, int) or not isinstance(event.get("data"), dict):
        raise MalformedEvent("signed body lacks an event's id, type, created or data")
    return EventMeta(event_id, event_type, created, event.get("api_version"))


@bp.post(WEBHOOK_PATH)
def receive_webhook():
    """POST /api/v6/integrations/stripe/web-hooks"""
    state = current_app.extensions["platform_adapter"]
    body = b""
    try:
        body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH -> 413 before anything is read
        settings = state.settings
        if not settings.webhook_secret:  # 503: Stripe retries, and the event applies once the secret is saved
            raise NotConfigured("no webhook signing secret is configured: save it on the admin page")
        event = verify_event(body, request.headers.get("Stripe-Signature"), settings.webhook_secret,
                             tolerance_s=settings.signature_tolerance_s)
        if event.get("object") == "v2.core.event":  # the admin page's test event (an event destination ping)
            return delivery_log.record_test_event(state, event)
        return handle_event(state, event, body.decode("utf-8")).to_dict()
    except (PlatformError, HTTPException) as exc:
        delivery_log.record_refusal(state, exc, body)  # the operator sees why (admin page, WARNING log)
        raise


class _AlreadyReceived(Exception):
    """The event is stored already; no need to ask Stripe about it."""


def handle_event(state, event: dict, payload: str) -> ledger.Outcome:
    """Everything after verification: interpret (may ask Stripe), then store and apply idempotently."""
    meta = event_meta(event)
    now = state.clock()
    checked = []

    def before_asking_stripe() -> None:
        """Stop here, as a duplicate, if the event is stored already."""
        # A redelivery must get its 200 even while Stripe is unreachable, and should not cost a call.
        if not checked:
            checked.append(True)
            if ledger.already_received(state.store, meta.id):
                raise _AlreadyReceived

    try:
        interpretation = interpret(meta, event["data"].get("object"), Resolver(state.catalogue, before_asking_stripe))
    except _AlreadyReceived:
        return ledger.record_duplicate(state.store, meta.id, now)
    return ledger.record(state.store, meta, payload, interpretation, now)
