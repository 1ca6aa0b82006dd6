"""The one signer: every delivery the project signs gets Stripe's headers and `Stripe-Signature` here.

`Stripe-Signature: t=<send time>,v1=<hmac>[,v1=…][,v0=<decoy>]` — one `v1` per active secret (rotation),
a `v0` decoy in test mode, and a redelivery of an event signed at least a second after its previous delivery.
The fake's fan-out, `fire`, `trigger`, `load`, `listen`, `events resend` and the conformance steps all sign
through `Signer.sign`.
"""

import hashlib
import hmac
import json
import re
import threading
import time
from typing import Callable

from ..errors import InvalidOption

SECRET_FORMAT = re.compile(r"^whsec_[A-Za-z0-9+/=_-]{8,}$")
STRIPE_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "Accept": "*/*; q=0.5, application/json",
    "Cache-Control": "no-cache",
}


def check_secret(secret: str) -> str:
    """Return `secret` if it looks like a webhook signing secret, else raise InvalidOption."""
    if not isinstance(secret, str) or not SECRET_FORMAT.match(secret):
        raise InvalidOption("malformed webhook secret: expected whsec_ followed by at least 8 characters")
    return secret


def encode(event: dict) -> bytes:
    """The exact bytes sent (and signed) for an event."""
    return json.dumps(event, indent=2).encode("utf-8")


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `<t>.<payload>` keyed with the whole secret, `whsec_` included."""
    return hmac.new(secret.encode("utf-8"), b"%d." % timestamp + payload, hashlib.sha256).hexdigest()


def decoy_for(payload: bytes, timestamp: int) -> str:
    """A stable, unverifiable v0 value for a delivery."""
    return hashlib.sha256(b"v0:%d:" % timestamp + payload).hexdigest()


class Signer:
    """Signs deliveries for one set of secrets, remembering when each event was last signed."""

    def __init__(self, secrets: list[str] | tuple[str, ...], *, clock: Callable[[], float] = time.time,
                 livemode: bool = False) -> None:
        self.secrets, self.clock, self.livemode = list(secrets), clock, livemode
        self._lock = threading.Lock()
        self._last_t: dict[str, int] = {}

    def timestamp(self, event_id: str | None) -> int:
        """The signing time: now, but always after this event's previous delivery, as a real redelivery is."""
        with self._lock:
            t = int(self.clock())
            if event_id is not None:
                t = max(t, self._last_t.get(event_id, -1) + 1)
                self._last_t[event_id] = t
        return t

    def sign(self, body: bytes, event_id: str | None = None, *, at: int | None = None) -> dict[str, str]:
        """Stripe's headers for `body`, signed now (under the time rule for `event_id`) or at `at`."""
        t = self.timestamp(event_id) if at is None else at
        parts = [f"t={t}", *(f"v1={signature(body, s, t)}" for s in self.secrets)]
        if not self.livemode:
            # Test-mode deliveries carry a v0 that no receiver can verify; receivers must ignore it.
            parts.append(f"v0={decoy_for(body, t)}")
        return {**STRIPE_HEADERS, "Stripe-Signature": ",".join(parts)}

    def sign_event(self, event: dict) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one delivery of `event`, signed now."""
        body = encode(event)
        return body, self.sign(body, event["id"])

    def forget(self) -> None:
        """Drop the redelivery memory (a new batch never redelivers an older one's events)."""
        with self._lock:
            self._last_t.clear()
