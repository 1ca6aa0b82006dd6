"""Fixtures: a fresh fake Stripe per test, served on 127.0.0.1, with the official SDK pointed at it."""

from contextlib import contextmanager

import pytest
import requests
import stripe

from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving
from tests.support.sim import sim_auth

START = 1769853600  # 2026-01-31T10:00:00Z: month-end anchors exercise Stripe's month arithmetic
KEY = "sk_test_fake_suite"


@pytest.fixture
def fake():
    """A fake with the guide seed on a frozen account clock (only advance() moves it)."""
    instance = FakeStripe(seed="guide", clock=lambda: START)
    yield instance
    instance.close()


@pytest.fixture
def base_url(fake):
    """The fake served on a free local port."""
    with fake.serving() as base:
        yield base


@pytest.fixture
def client(base_url) -> stripe.StripeClient:
    """The official SDK against the fake (no retries, so every request is seen once)."""
    return stripe.StripeClient(KEY, base_addresses={"api": base_url}, max_network_retries=0)


@pytest.fixture
def http(base_url):
    """Plain HTTP calls with a test key, for what the SDK hides (headers, raw errors, helpers)."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KEY}"

    def call(method: str, path: str, **kwargs) -> requests.Response:
        """One request to the fake."""
        return session.request(method, base_url + path, **kwargs)
    yield call
    session.close()


@pytest.fixture
def guide(client) -> dict:
    """The guide seed's ids by lookup key, plus the VAT rate."""
    prices = client.v1.prices.list({"limit": 100}).data
    ids = {p.lookup_key: p for p in prices}
    ids["vat"] = client.v1.tax_rates.list().data[0]
    return ids


@pytest.fixture
def hooks(client, fake):
    """Start a verifying receiver and subscribe an endpoint to it: hooks(events=…, api_version=…)."""
    stack = []

    @contextmanager
    def start(events=("*",), api_version=None):
        receiver = VerifyingReceiver([])
        with serving(receiver) as base:
            params = {"url": base + "/hook", "enabled_events": list(events)}
            if api_version:
                params["api_version"] = api_version
            endpoint = client.v1.webhook_endpoints.create(params)
            receiver.secrets.append(endpoint.secret)
            stack.append(endpoint)
            yield receiver, endpoint
    return start


def subscription_session(client, guide, *, price="professional_1m_recurring", account="acct-42", **extra):
    """A subscription-mode session as the platform creates it (accountRef everywhere, VAT on the line)."""
    params = {
        "mode": "subscription", "line_items": [{"price": guide[price].id, "quantity": 1,
                                                "tax_rates": [guide["vat"].id]}],
        "success_url": "https://app.example/billing/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example/billing/cancel", "client_reference_id": account,
        "customer_email": "jane@example.com", "metadata": {"accountRef": account},
        "subscription_data": {"metadata": {"accountRef": account}}, **extra}
    return client.v1.checkout.sessions.create(params)


def complete(base_url: str, session_id: str, card: str | None = None) -> requests.Response:
    """POST /_sim/checkout/sessions/{id}/complete."""
    data = {"card": card} if card else {}
    return requests.post(f"{base_url}/_sim/checkout/sessions/{session_id}/complete", data=data,
                         headers=sim_auth(), timeout=10)


def advance(base_url: str, **params) -> int:
    """POST /_sim/clock/advance; returns the new time."""
    response = requests.post(f"{base_url}/_sim/clock/advance", data=params, headers=sim_auth(), timeout=10)
    response.raise_for_status()
    return response.json()["now"]
