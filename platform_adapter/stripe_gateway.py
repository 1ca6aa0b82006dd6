"""What the platform asks Stripe, through the official SDK (the catalogue cache in front of it: `catalogue.cache`)."""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

import stripe

from .config import Settings
from .errors import NotConfigured, StripeAuthFailed, StripeRefused, StripeUnavailable, StripeUnreachable
from .facts import SessionLine
from .keys import mask
from .payloads import get, id_of, items, product_of, session_quantity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PriceInfo:
    """A price, its product and the product's metadata."""

    price: str
    product: str
    metadata: dict


class StripeGateway(Protocol):
    """The Stripe calls the platform makes; `None` means Stripe says the object does not exist."""

    def price(self, price_id: str) -> PriceInfo | None:
        """The price, its product and the product's metadata."""

    def session_lines(self, session_id: str) -> list[SessionLine] | None:
        """A Checkout Session's line items."""

    def latest(self, kind: str, object_id: str) -> dict | None:
        """A session, invoice or subscription as Stripe holds it now (re-fetch mode)."""


# How re-fetch mode retrieves each kind of object an event names (a session with its line items).
RETRIEVE = {
    "checkout.session": lambda client, oid: client.v1.checkout.sessions.retrieve(oid, {"expand": ["line_items"]}),
    "invoice": lambda client, oid: client.v1.invoices.retrieve(oid),
    "subscription": lambda client, oid: client.v1.subscriptions.retrieve(oid),
}


def _metadata(obj: Any) -> dict:
    raw = get(obj, "metadata")
    if raw is None:
        return {}
    return raw.to_dict() if hasattr(raw, "to_dict") else dict(raw)


def sdk_client(settings: Settings) -> stripe.StripeClient:
    """A StripeClient with the configured secret key, API base, timeout and retries."""
    if not settings.stripe_secret_key:
        raise NotConfigured("no Stripe secret key is configured: save it on the admin page "
                            "(Platform settings → Stripe configuration) or set STRIPE_SECRET_KEY")
    base = {"api": settings.stripe_api_base.rstrip("/")} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.stripe_secret_key, base_addresses=base, max_network_retries=settings.stripe_max_retries,
        http_client=stripe.RequestsClient(timeout=settings.stripe_timeout_s))


@contextmanager
def calling_stripe(what: str, settings: Settings) -> Iterator[None]:
    """Turn the SDK's errors into the platform's, in words a person can act on (never the key itself)."""
    where = settings.stripe_api_base or "https://api.stripe.com"
    try:
        yield
    except stripe.AuthenticationError:
        raise StripeAuthFailed(f"Stripe refused the secret key {mask(settings.stripe_secret_key)} (401): copy the "
                               "secret key again from the Stripe Dashboard (Developers → API keys)") from None
    except stripe.PermissionError:
        raise StripeAuthFailed(f"the secret key {mask(settings.stripe_secret_key)} may not {what} (403): "
                               "use a key with that permission") from None
    except stripe.APIConnectionError:
        raise StripeUnreachable(f"cannot reach Stripe at {where} to {what}; nothing was changed") from None
    except stripe.InvalidRequestError as exc:
        raise StripeRefused(f"Stripe refused to {what}: {exc.user_message or exc.code or exc.http_status}") from None
    except stripe.StripeError as exc:  # 5xx, rate limits: worth trying again later
        raise StripeUnreachable(f"Stripe could not {what} ({type(exc).__name__}, HTTP {exc.http_status}); "
                                "try again later") from None


class StripeClients:
    """One SDK client for the settings in force, rebuilt when the admin page saves another key."""

    def __init__(self, settings: Settings | Callable[[], Settings]) -> None:
        self._settings = settings if callable(settings) else (lambda: settings)
        self._lock = threading.Lock()
        self._made: tuple[tuple, stripe.StripeClient] | None = None

    def get(self) -> stripe.StripeClient:
        """The client for the current key and API base."""
        settings = self._settings()
        key = (settings.stripe_secret_key, settings.stripe_api_base, settings.stripe_timeout_s,
               settings.stripe_max_retries)
        with self._lock:
            if self._made is None or self._made[0] != key:
                self._made = (key, sdk_client(settings))
            return self._made[1]


class StripeSdkGateway:
    """The gateway over `stripe.StripeClient`, pointed at Stripe or at any API base (fake Stripe)."""

    def __init__(self, settings: Settings | Callable[[], Settings] | StripeClients) -> None:
        self.clients = settings if isinstance(settings, StripeClients) else StripeClients(settings)

    @property
    def client(self) -> stripe.StripeClient:
        """The SDK client for the key in force."""
        return self.clients.get()

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return None
            raise StripeUnavailable(f"Stripe refused to {what}: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            # Connection errors, 5xx, rate limits, a wrong key: Stripe's retry of the event will complete it.
            raise StripeUnavailable(f"cannot {what}: {type(exc).__name__}: {exc.user_message or exc}") from exc

    def price(self, price_id: str) -> PriceInfo | None:
        """The price with its product expanded."""
        price = self._call(f"retrieve price {price_id}",
                           lambda: self.client.v1.prices.retrieve(price_id, {"expand": ["product"]}))
        if price is None:
            return None
        product = get(price, "product")
        if isinstance(product, str):  # an API that did not expand it
            product = self._call(f"retrieve product {product}", lambda: self.client.v1.products.retrieve(product))
            if product is None:
                return None
        if get(product, "deleted"):
            return PriceInfo(price_id, id_of(product), {})
        return PriceInfo(price_id, id_of(product), _metadata(product))

    def session_lines(self, session_id: str) -> list[SessionLine] | None:
        """The line items of a Checkout Session (never part of the webhook payload)."""
        listing = self._call(f"list line items of {session_id}", lambda: self.client.v1.checkout.sessions.line_items.list(
            session_id, {"limit": 100}))
        if listing is None:
            return None
        return [SessionLine(id_of(get(item, "price"), "price"), product_of(get(item, "price")),
                            session_quantity(item)) for item in items(listing)]

    def latest(self, kind: str, object_id: str) -> dict | None:
        """The object's current state, as plain dicts (None: Stripe does not know it)."""
        found = self._call(f"retrieve {kind} {object_id}", lambda: RETRIEVE[kind](self.client, object_id))
        return None if found is None else found.to_dict()
