"""The admin page's "Send a test event": Stripe pings this endpoint's event destination; did it verify?

Stripe's v2 API can ping an event destination (`POST /v2/core/event_destinations/{id}/ping`): it
sends a signed thin `v2.core.event_destination.ping` event to the destination's URL. The webhook
endpoint verifies it like any delivery and logs it (`delivery_log`), so the page can tell whether
the signing secret in force is the endpoint's.
"""

import time
from dataclasses import dataclass

from .delivery_log import MISMATCH_HINT, SIGNATURE_FAILED, TEST_EVENT_VERIFIED, await_test_event, explain
from .errors import Conflict
from .stripe_gateway import calling_stripe


@dataclass(frozen=True)
class PingResult:
    """What the page says about a test event: verified (True), refused (False) or not arrived yet (None)."""

    verified: bool | None
    message: str


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def send(state, webhook_url: str) -> str:
    """Ask Stripe to ping the event destination whose URL is this endpoint's; returns the ping's event id."""
    client = state.clients.get()
    with calling_stripe("list the event destinations", state.settings):
        destinations = [d for d in client.v2.core.event_destinations.list().data
                        if getattr(d, "type", None) == "webhook_endpoint"]
    match = next((d for d in destinations if _same_url(d.webhook_endpoint.url, webhook_url)), None)
    if match is None:
        found = ", ".join(d.webhook_endpoint.url for d in destinations[:5]) or "none"
        raise Conflict(f"Stripe has no webhook endpoint with the URL {webhook_url} (found: {found}); add it in "
                       "Stripe (Developers → Webhooks) with the four events below")
    await_test_event(state, None)  # the ping may arrive before Stripe's answer names its id
    with calling_stripe("send a test event", state.settings):
        event = client.v2.core.event_destinations.ping(match.id)
    await_test_event(state, event.id)
    return event.id


def result(state, event_id: str) -> PingResult | None:
    """How the test delivery went, or None when it has not arrived yet."""
    with state.store.read() as tx:
        row = tx.attempt_for(event_id)
    if row is None:
        return None
    if row.code == TEST_EVENT_VERIFIED:
        return PingResult(True, f"Test event {event_id} arrived and its signature verified: the signing secret "
                                "in force is this endpoint's.")
    if row.code == SIGNATURE_FAILED and row.reason == "signature_mismatch":
        return PingResult(False, f"Test event {event_id} arrived but was refused: {MISMATCH_HINT}")
    return PingResult(False, f"Test event {event_id} arrived but was refused ({row.status} {row.code}"
                             f"{'/' + row.reason if row.reason else ''}): {explain(row.code, row.reason)}")


def wait(state, event_id: str, timeout_s: float, poll_s: float = 0.1) -> PingResult | None:
    """Wait a little for the test delivery (it usually arrives within a second)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = result(state, event_id)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(poll_s)
