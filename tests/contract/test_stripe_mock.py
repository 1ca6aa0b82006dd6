"""The platform's outbound calls are accepted by the official stripe-mock, which validates each against the spec.

Runs only when STRIPE_MOCK_URL is set (`simplex-stripe stripe-mock up`, or the compose `contract` profile):
    STRIPE_MOCK_URL=http://127.0.0.1:12111 pytest -m stripe_mock
"""

import os

import pytest
import requests

from .conftest import KEY, account_row, platform_app, tell_platform
from .outbound import drive

pytestmark = [pytest.mark.stripe_mock, pytest.mark.slow]  # slow: needs the stripe-mock container


@pytest.fixture(scope="module")
def stripe_mock() -> str:
    url = os.environ.get("STRIPE_MOCK_URL", "").rstrip("/")
    if not url:
        pytest.skip("STRIPE_MOCK_URL is not set (simplex-stripe stripe-mock up prints it)")
    return url


def subscription_of(events: list[dict]) -> str:
    """The subscription the told events created."""
    return next(e["data"]["object"]["id"] for e in events if e["type"] == "customer.subscription.created")


def test_every_recorded_request_is_accepted_as_sent(recorded, stripe_mock):
    """The exact bytes the platform sent to the fake Stripe, replayed: stripe-mock answers 400 to a bad param."""
    calls, _, _, _ = recorded
    refused = {}
    for call in calls:
        response = requests.request(call.method, stripe_mock + call.path, params=list(call.query),
                                    data=list(call.form) or None, headers={"Authorization": f"Bearer {KEY}"},
                                    timeout=10)
        if response.status_code != 200:
            refused[f"{call.step}: {call.method} {call.path}"] = f"{response.status_code} {response.text[:300]}"
    assert refused == {}


def test_the_platform_code_runs_against_stripe_mock(recorded, stripe_mock):
    """Checkout in both modes, stop auto-renewal, the webhook's look-ups and the doctor, through the SDK."""
    _, pro, folder, told = recorded
    app = platform_app(folder, stripe_mock)  # the catalogue the fake Stripe's products loaded
    state = app.extensions["platform_adapter"]
    try:
        # The platform already knows its subscription from the fake's webhooks; stripe-mock accepts any id.
        sessions = drive(state, None, account=account_row(state), recurring=pro["recurring"],
                         one_time=pro["one_time"], other_recurring=pro["other_recurring"], currency="eur",
                         subscription_for=lambda session: tell_platform(app, told) or subscription_of(told),
                         api_key=KEY, api_base=stripe_mock, store_products=False)
    finally:
        state.store.close()
    assert sessions["subscription"].id and sessions["payment"].id
