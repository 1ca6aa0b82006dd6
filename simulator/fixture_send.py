"""A fixture runner's `send` through the official SDK's raw requests, as `stripe fixtures` sends them."""

import json

import stripe

from .errors import TargetUnreachable
from .fixtures import ApiError, Request, Send

TIMEOUT = (2.5, 30.0)  # connect quickly or report; a slow answer is still an answer


def client_for(api_key: str, api_base: str) -> stripe.StripeClient:
    """The official SDK pointed at `api_base`: no retries, short connect timeout."""
    return stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=TIMEOUT))


def sdk_send(api_key: str, api_base: str, stripe_account: str | None = None,
             api_version: str | None = None) -> Send:
    """Each request to its fixture's `api_base` (else `api_base`) with its `headers` and idempotency key, for
    `stripe_account` in `api_version`; API errors become ApiError, an API that does not answer TargetUnreachable."""
    clients: dict[str, stripe.StripeClient] = {}

    def send(request: Request) -> dict:
        base = request.api_base or api_base
        client = clients.get(base) or clients.setdefault(base, client_for(api_key, base))
        options = {"stripe_account": stripe_account, "stripe_version": api_version,
                   "idempotency_key": request.idempotency_key, "headers": request.headers or None}
        try:
            response = client.raw_request(request.method, request.path, **request.params,
                                          **{k: v for k, v in options.items() if v})
        except stripe.APIConnectionError:
            raise TargetUnreachable(f"cannot reach the Stripe API at {base}; start it with `simplex-stripe "
                                    "fake-stripe` or pass --api-base") from None
        except stripe.StripeError as exc:
            kind = getattr(exc.error, "type", None) or "api_error"
            body = exc.json_body if isinstance(exc.json_body, dict) else None
            raise ApiError(kind, exc.user_message or str(exc), exc.http_status, body) from None
        return json.loads(response.body)
    return send
