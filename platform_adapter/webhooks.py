"""The webhook endpoint: verify with the official SDK, then store and apply the event idempotently."""

import json
import logging
import socket

import stripe
from flask import Blueprint, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import delivery_log, ledger
from . import payloads as p
from .catalogue.cache import Resolver
from .errors import BadRequest, InvalidField, MalformedEvent, NotConfigured, PlatformError, SignatureError
from .facts import HANDLERS, EventMeta, interpret
from .refetch import is_verdict, latest_object, malformed

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"

# stripe-python's messages -> a stable reason code for the 400 body.
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
    verify_signature(body, header, secret, tolerance_s=tolerance_s)
    return parse_event(body)


def verify_signature(body: bytes, header: str | None, secret: str, *, tolerance_s: int) -> None:
    """SignatureError (or MalformedEvent for a body that is not UTF-8) unless the body is signed with `secret`."""
    if not header:
        raise SignatureError("no Stripe-Signature header", reason="missing_header")
    if not header.isascii():  # Stripe's header is ASCII; the SDK's compare_digest raises on anything else
        raise SignatureError("the Stripe-Signature header is not ASCII, so no signature in it can match",
                             reason="signature_mismatch")
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance_s)
    except stripe.SignatureVerificationError as exc:
        message = str(exc)
        reason = next((code for text, code in SIGNATURE_REASONS if text in message), "signature_invalid")
        raise SignatureError(message, reason=reason) from exc
    except UnicodeDecodeError as exc:  # the SDK decodes the body as UTF-8 before checking it
        unread = MalformedEvent(f"body is not UTF-8: {exc}")
        unread.signed = False
        raise unread from exc


def parse_event(body: bytes) -> dict:
    """A verified body as a snapshot event (plain dicts), or MalformedEvent."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedEvent(f"signed body is not JSON: {exc}") from exc
    except RecursionError:
        raise MalformedEvent("signed body is nested too deeply to be an event") from None
    if not isinstance(event, dict) or (event.get("object") == "v2.core.event"
                                       and event.get("type") != delivery_log.PING):
        raise MalformedEvent("signed body is not a snapshot event (thin v2 events are not configured here)")
    return event


def event_meta(event: dict) -> EventMeta:
    """The envelope, checked: a signed body that is not an event is a bad request (400); an event
    whose envelope field has the wrong type or range raises InvalidField (answered 200 `rejected`)."""
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type \
            or event.get("created") is None or not isinstance(event.get("data"), dict):
        raise MalformedEvent("signed body lacks an event's id, type, created or data")
    return EventMeta(p.checked_text(event_id, "event_id", p.MAX_ID), p.checked_text(event_type, "event_type", 100),
                     p.timestamp(event, "created"), p.checked_text(event.get("api_version"), "api_version", 40))


def read_body(limit: int) -> bytes:
    """The whole body; 413 (and the connection closed) when it is over `limit`, however it is sent.

    A Content-Length over the limit is refused before anything is read. A chunked body has none, and
    werkzeug's own reader stops quietly at the limit, so the signature would fail on a cut body (400):
    read one byte more than the limit to know.
    """
    if request.content_length is not None and request.content_length > limit:
        _stop_reading(request.environ)
        raise RequestEntityTooLarge()
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=False)
    stream, chunks, size = request.environ["wsgi.input"], [], 0
    while size <= limit:
        try:
            chunk = stream.read(min(65536, limit + 1 - size))
        except OSError as exc:  # the server's de-chunker: a bad chunk header, or the body ended early
            raise BadRequest(f"the chunked body cannot be read: {exc}") from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        _stop_reading(request.environ)
        raise RequestEntityTooLarge()
    return b"".join(chunks)


def _stop_reading(environ: dict) -> None:
    """Read no more of this request, so the 413 goes out and the connection closes at once.

    werkzeug's server drains what is left of a request with a blocking read, which waits for a
    client that keeps its side open (or keeps sending) instead of closing; gunicorn just closes.
    """
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RD)
        except OSError:  # gone already
            pass


# Flask would answer OPTIONS itself (200); the contract says every method but POST gets 405.
@bp.post(WEBHOOK_PATH, provide_automatic_options=False)
def receive_webhook():
    """POST /api/v6/integrations/stripe/web-hooks"""
    state = current_app.extensions["platform_adapter"]
    body, verified = b"", False
    try:
        body = read_body(current_app.config["MAX_CONTENT_LENGTH"])
        settings = state.settings
        if not settings.webhook_secret:  # 503: Stripe retries, and the event applies once the secret is saved
            raise NotConfigured("no webhook signing secret is configured: save it on the admin page")
        event = verify_event(body, request.headers.get("Stripe-Signature"), settings.webhook_secret,
                             tolerance_s=settings.signature_tolerance_s)
        verified = True
        if event.get("object") == "v2.core.event":  # the admin page's test event (an event destination ping)
            return delivery_log.record_test_event(state, event)
        return handle_event(state, event, body.decode("utf-8")).to_dict()
    except InvalidField as exc:  # an envelope field no row can hold: rejected (200), kept in the delivery log only
        return delivery_log.record_invalid(state, exc, body)
    except (PlatformError, HTTPException) as exc:
        verified = verified or (isinstance(exc, MalformedEvent) and exc.signed)
        # The operator sees why: WARNING log; a signed refusal as a row, an unverified one counted only.
        delivery_log.record_refusal(state, exc, body, verified=verified)
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
        obj = event["data"].get("object")
        if state.settings.refetch_events and meta.type in HANDLERS and p.is_object(obj):
            obj = malformed(meta, obj) or latest_object(state.gateway, obj, before_asking_stripe)
        interpretation = obj if is_verdict(obj) else interpret(
            meta, obj, Resolver(state.catalogue, before_asking_stripe))
    except _AlreadyReceived:
        return ledger.record_duplicate(state.store, meta.id, now)
    fail = meta.type in HANDLERS and state.faults.take()
    return ledger.record(state.store, meta, payload, interpretation, now, fail=fail)
