"""Stripe-Signature headers: `t=<send time>,v1=<hmac>[,v1=…][,v0=<decoy>]`."""

import hashlib
import hmac
import re

from ..errors import InvalidOption

SECRET_FORMAT = re.compile(r"^whsec_[A-Za-z0-9+/=_-]{8,}$")


def check_secret(secret: str) -> str:
    """Return `secret` if it looks like a webhook signing secret, else raise InvalidOption."""
    if not isinstance(secret, str) or not SECRET_FORMAT.match(secret):
        raise InvalidOption("malformed webhook secret: expected whsec_ followed by at least 8 characters")
    return secret


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `<t>.<payload>` keyed with the whole secret, `whsec_` included."""
    return hmac.new(secret.encode("utf-8"), b"%d." % timestamp + payload, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secrets: list[str], timestamp: int, *, decoy: str | None = None) -> str:
    """The header for `payload`: one `v1` per active secret (rotation), and a `v0` decoy in test mode."""
    parts = [f"t={timestamp}", *(f"v1={signature(payload, s, timestamp)}" for s in secrets)]
    if decoy is not None:
        # Test-mode deliveries carry a v0 that no receiver can verify; receivers must ignore it.
        parts.append(f"v0={decoy}")
    return ",".join(parts)


def decoy_for(payload: bytes, timestamp: int) -> str:
    """A stable, unverifiable v0 value for a delivery."""
    return hashlib.sha256(b"v0:%d:" % timestamp + payload).hexdigest()
