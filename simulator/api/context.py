"""What every API request goes through: the Call handlers see, auth, Stripe-Version and idempotency."""

import base64
import binascii
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from ..engine.errors import AuthenticationFailed, IdempotencyMismatch, InvalidApiVersion, MissingParameter
from ..engine.state import State
from ..versions import Served, serve
from .params import Check, checked
from .validation import coerce

TEST_KEY = re.compile(r"^(sk|rk)_test_[A-Za-z0-9_]+$")
LIVE_KEY = re.compile(r"^(sk|rk)_live_")
NO_KEY = ("You did not provide an API key. You need to provide your API key in the Authorization header, using "
          "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
          "for details, or we can help at https://support.stripe.com/.")
PUBLISHABLE = ("This API call cannot be made with a publishable API key. Please use a secret API key. You can find "
               "a list of your API keys at https://dashboard.stripe.com/account/apikeys.")


@dataclass
class Call:
    """One API request as a handler sees it."""

    state: State
    raw: dict
    args: dict
    version: str
    request_id: str
    idempotency_key: str | None = None
    expand: list[str] | None = None
    method: str = "GET"
    path: str = ""
    operation: Any = None
    params: dict = field(default_factory=dict)

    def parse(self, checks: dict[str, Check] | None = None, *, required: tuple[str, ...] = (),
              schema: dict | None = None) -> dict:
        """This request's parameters as the operation's schema typed them (or `schema`, for a route Stripe's
        spec leaves out), after the rules the spec does not state (params.py) and what the handler needs of
        what the spec leaves optional (`required`)."""
        params = self.params if schema is None else coerce(schema, self.raw, "")
        for name in required:
            if name not in params:
                raise MissingParameter(name)
        return checked(params, checks)

    @property
    def origin(self) -> tuple[str, str | None]:
        """What events caused by this request carry as `request`."""
        return self.request_id, self.idempotency_key


Handler = Callable[[Call], dict]


def mask(key: str) -> str:
    """A key as Stripe echoes it in errors: prefix, stars, last four."""
    return key if len(key) <= 12 else key[:8] + "*" * (len(key) - 12) + key[-4:]


def authenticate(header: str | None, pinned: str | None) -> str:
    """The API key of a request, or Stripe's 401."""
    scheme, _, key = (header or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(key).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    elif scheme.lower() != "bearer":
        key = ""
    key = key.strip()
    if not key:
        raise AuthenticationFailed(NO_KEY)
    if key.startswith("pk_"):
        raise AuthenticationFailed(PUBLISHABLE)
    if LIVE_KEY.match(key):
        raise AuthenticationFailed(f"Invalid API Key provided: {mask(key)} (this fake Stripe is test mode only; "
                                   "use a sk_test_ key)")
    if not TEST_KEY.match(key) or (pinned is not None and key != pinned):
        raise AuthenticationFailed(f"Invalid API Key provided: {mask(key)}")
    return key


def served_version(header: str | None, default: str) -> Served:
    """How a request's Stripe-Version is served (versions.serve), else the account default; refused → 400."""
    if not header:
        return Served(default, default)
    served = serve(header.strip())
    if served is None:
        raise InvalidApiVersion(header.strip())
    return served


def resolve_version(header: str | None, default: str) -> str:
    """The API version a request is served in: Stripe-Version, else the account default."""
    return served_version(header, default).version


class IdempotencyCache:
    """The first response for each Idempotency-Key, replayed for retries (bounded, oldest forgotten)."""

    def __init__(self, max_entries: int = 20000) -> None:
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
        self.max_entries = max_entries

    def lookup(self, scope: tuple, fingerprint: tuple) -> tuple | None:
        """(status, body, request id) of the first use, or None; a key reused differently is refused."""
        entry = self.entries.get(scope)
        if entry is None:
            return None
        if entry[0] != fingerprint:
            raise IdempotencyMismatch(scope[1])
        return entry[1:]

    def remember(self, scope: tuple, fingerprint: tuple, status: int, body: bytes, request_id: str) -> None:
        """Keep a response for replay."""
        self.entries[scope] = (fingerprint, status, body, request_id)
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
