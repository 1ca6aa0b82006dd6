"""The fake Stripe API's error tree; each error renders as Stripe's error JSON.

    FakeStripeError                 500 api_error
    ├── InvalidRequest              400 invalid_request_error (code, param)
    │   ├── ParameterError          a request parameter failed validation (never replayed by idempotency)
    │   │   ├── UnknownParameter        code parameter_unknown
    │   │   ├── MissingParameter        code parameter_missing
    │   │   └── InvalidParameter        bad type, enum value or empty string
    │   ├── ResourceMissing         404 (400 for ids inside the body), code resource_missing
    │   ├── UnknownRoute            404, no such URL
    │   ├── NotSimulated            404, an operation of Stripe's API that the fake does not simulate
    │   ├── InvalidApiVersion       400, malformed or unpublished Stripe-Version
    │   └── IdempotencyMismatch     400 idempotency_error, a key reused with other parameters
    ├── AuthenticationFailed        401, missing, live or malformed key
    ├── PermissionDenied            403, Stripe-Account naming another account
    ├── CardDeclined                402 card_error, a declining test card
    └── ActionRequired              402 card_error, a payment that waits for 3D Secure authentication
"""


DOC_URL = "https://stripe.com/docs/error-codes/{}"


class FakeStripeError(Exception):
    """Base class: an error that the API answers with Stripe's error JSON."""

    http_status = 500
    type = "api_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None,
                 http_status: int | None = None, **extra: str) -> None:
        super().__init__(message)
        self.message, self.code, self.param = message, code, param
        self.extra = extra
        if http_status is not None:
            self.http_status = http_status

    def body(self) -> dict:
        """Stripe's error JSON; absent fields are left out, as Stripe does."""
        error = {"code": self.code, "doc_url": DOC_URL.format(self.code.replace("_", "-")) if self.code else None,
                 "message": self.message, "param": self.param, **self.extra, "type": self.type}
        return {"error": {k: v for k, v in error.items() if v is not None}}


class InvalidRequest(FakeStripeError):
    """A request Stripe refuses as invalid."""

    http_status = 400
    type = "invalid_request_error"


class ParameterError(InvalidRequest):
    """A parameter failed validation before anything ran."""


class UnknownParameter(ParameterError):
    """A parameter the endpoint does not take."""

    def __init__(self, param: str) -> None:
        super().__init__(f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


class MissingParameter(ParameterError):
    """A required parameter that was not sent."""

    def __init__(self, param: str) -> None:
        super().__init__(f"Missing required param: {param}.", code="parameter_missing", param=param)


class InvalidParameter(ParameterError):
    """A parameter of the wrong type or outside its allowed values."""

    def __init__(self, message: str, param: str, code: str | None = None) -> None:
        super().__init__(message, code=code, param=param)


class ResourceMissing(InvalidRequest):
    """An id that names nothing: `No such price: 'price_123'`."""

    http_status = 404

    def __init__(self, kind: str, id: str, param: str = "id", *, in_body: bool = False) -> None:
        # An unknown id in the URL is a 404; one named by a body parameter is a 400, as on Stripe.
        super().__init__(f"No such {kind}: '{id}'", code="resource_missing", param=param,
                         http_status=400 if in_body else 404)


class UnknownRoute(InvalidRequest):
    """A URL the API does not serve."""

    http_status = 404

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
                         "or we can help at https://support.stripe.com/.")


class NotSimulated(InvalidRequest):
    """A real Stripe operation outside what the fake simulates (distinct from an unrecognized URL)."""

    http_status = 404

    def __init__(self, operation) -> None:
        super().__init__(f"This fake Stripe does not simulate {operation.id} ({operation.method} {operation.template}), "
                         "an operation of Stripe's API; `simplex-stripe fake-stripe --coverage` lists the ones it "
                         "serves.")


class InvalidApiVersion(InvalidRequest):
    """A Stripe-Version header that is malformed or names no published version."""

    def __init__(self, version: str) -> None:
        super().__init__(f"Invalid Stripe API version: {version}", code="api_version_invalid")


class IdempotencyMismatch(InvalidRequest):
    """An Idempotency-Key reused with different parameters."""

    type = "idempotency_error"

    def __init__(self, key: str) -> None:
        super().__init__("Keys for idempotent requests can only be used with the same parameters they were first "
                         f"used with. Try using a key other than '{key}' if you meant to execute a different request.")


class AuthenticationFailed(FakeStripeError):
    """No key, a live key or a malformed key."""

    http_status = 401
    type = "invalid_request_error"


class PermissionDenied(FakeStripeError):
    """A Stripe-Account header that names an account this key cannot reach."""

    http_status = 403
    type = "invalid_request_error"


class CardDeclined(FakeStripeError):
    """A test card that declines."""

    http_status = 402
    type = "card_error"

    def __init__(self, message: str, decline_code: str, **extra: str) -> None:
        super().__init__(message, code="card_declined", decline_code=decline_code, **extra)


class ActionRequired(FakeStripeError):
    """A payment that waits for the customer to authenticate (3D Secure)."""

    http_status = 402
    type = "card_error"
