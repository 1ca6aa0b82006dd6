"""The platform's errors; each knows the HTTP status the app answers with.

PlatformError (500)
├── ConfigError (500)            a setting is missing or malformed
├── BadRequest (400)             the request cannot be used as sent
│   ├── SignatureError (400)     Stripe-Signature missing, wrong, or too old
│   ├── MalformedEvent (400)     signed, but not a JSON Stripe event
│   │   └── InvalidField (400)   a field of the right name but the wrong type, shape or range (answered 200 rejected)
│   ├── PriceNotOffered (400)    not a price of a valid loaded product (Checkout)
│   └── KeysRefused (400)        Stripe keys that cannot be saved or that Stripe refuses, a code per field (probe)
├── Unauthorized (401)           probe call without the bearer token
├── NotFound (404)
│   └── UnknownAccount (404)
├── Conflict (409)
│   └── SubscriptionExists (409) a second subscription for an account that has a renewing one
├── TooManyAttempts (429)        admin sign-in throttled: wait `retry_after` seconds
├── StripeUnavailable (500)      Stripe could not be asked; Stripe's retry will complete the event
├── StorageError (500)
├── Upstream (502)               Stripe failed a call made for a person (admin page, Account Settings, probe)
│   ├── StripeUnreachable (502)  connection error, 5xx, rate limit
│   ├── StripeAuthFailed (502)   the secret key was refused
│   └── StripeRefused (502)      Stripe answered the request with an error
└── NotConfigured (503)          the Stripe keys are not configured yet
"""


class PlatformError(Exception):
    """Base of every error the platform raises on purpose."""

    http_status = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict:
        """The JSON body of the error response."""
        return {"error": {"code": self.code, "message": self.message, **self.details()}}

    def details(self) -> dict:
        """What the body carries beside the code and message (a subclass's own fields)."""
        return {}


class ConfigError(PlatformError):
    """A setting is missing or malformed."""

    code = "config_error"


class BadRequest(PlatformError):
    """The request cannot be used as sent."""

    http_status = 400
    code = "bad_request"


class SignatureError(BadRequest):
    """The Stripe-Signature header does not verify the body."""

    code = "signature_verification_failed"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def details(self) -> dict:
        """A stable reason code next to the SDK's message."""
        return {"reason": self.reason}


class PriceNotOffered(BadRequest):
    """The price is not one of a valid loaded product's, so customers may not buy it."""

    code = "price_not_offered"


class KeysRefused(BadRequest):
    """Keys the admin page would not save, or a secret key Stripe refuses; `fields` maps each field to its code."""

    code = "keys_refused"

    def __init__(self, message: str, *, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.fields = fields

    def details(self) -> dict:
        """The stable code of each refused field."""
        return {"fields": self.fields}


class MalformedEvent(BadRequest):
    """The body is signed but is not a JSON Stripe event."""

    code = "malformed_event"
    signed = True  # False for a body the signature check could not even read (not UTF-8)


class InvalidField(MalformedEvent):
    """A field the platform reads has the wrong type, shape or range; retrying cannot fix it.

    The webhook answers it 200 `rejected` with `reason_code` (`invalid_<field>`); the 400 of its
    base class is only what it would mean anywhere else.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason_code = f"invalid_{field}"


class Unauthorized(PlatformError):
    """A probe call without the right bearer token."""

    http_status = 401
    code = "unauthorized"


class NotFound(PlatformError):
    """No such resource."""

    http_status = 404
    code = "not_found"


class UnknownAccount(NotFound):
    """No account with that reference."""

    code = "unknown_account"


class Conflict(PlatformError):
    """The resource exists already."""

    http_status = 409
    code = "conflict"


class SubscriptionExists(Conflict):
    """The account has a renewing subscription already: switch its plan instead of subscribing again."""

    code = "subscription_exists"


class TooManyAttempts(PlatformError):
    """Too many failed admin sign-ins: the next attempt is not even checked before `retry_after` seconds."""

    http_status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def details(self) -> dict:
        """The wait in seconds (also in the Retry-After header)."""
        return {"retry_after": self.retry_after}


class StripeUnavailable(PlatformError):
    """Stripe could not be asked; answering 500 makes Stripe retry the event later."""

    code = "stripe_unavailable"


class StorageError(PlatformError):
    """The database failed; nothing was committed."""

    code = "storage_error"


class Upstream(PlatformError):
    """Stripe failed a call the platform made for a person; nothing was changed."""

    http_status = 502
    code = "stripe_error"


class StripeUnreachable(Upstream):
    """Stripe could not be reached (connection error, 5xx, rate limit)."""

    code = "stripe_unavailable"


class StripeAuthFailed(Upstream):
    """Stripe refused the secret key (401) or its permissions (403)."""

    code = "stripe_auth_failed"


class StripeRefused(Upstream):
    """Stripe answered the request with an error (e.g. a tax rate that conflicts with the price)."""

    code = "stripe_error"


class NotConfigured(PlatformError):
    """The Stripe keys are not configured yet (admin page or environment)."""

    http_status = 503
    code = "not_configured"
