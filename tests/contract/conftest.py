"""The platform's outbound Stripe calls, recorded once per session against the fake Stripe (guide seed)."""

import json
import time
from types import SimpleNamespace

import pytest
import requests

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.delivery.signing import Signer

from .outbound import drive
from .recording import Recorder
from tests.support.sim import sim_auth

KEY = "sk_test_contract_4242"
SECRET = "whsec_contract_tests_0123456789"
ACCOUNT = SimpleNamespace(ref="acct-contract", email="contract@example.com")


def platform_app(tmp_path, api_base: str):
    """A reference platform (SQLite under `tmp_path`) whose SDK client calls `api_base`, holding ACCOUNT."""
    settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, stripe_api_base=api_base,
                        stripe_max_retries=0, data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    with app.extensions["platform_adapter"].store.write() as tx:
        if tx.account_by_ref(ACCOUNT.ref) is None:
            tx.create_account(ACCOUNT.ref, ACCOUNT.email, time.time())
    return app


def platform_state(tmp_path, api_base: str):
    """The state of `platform_app`."""
    return platform_app(tmp_path, api_base).extensions["platform_adapter"]


def account_row(state):
    """ACCOUNT as the platform stores it (the pages and Checkout take the stored row)."""
    with state.store.read() as tx:
        return tx.account_by_ref(ACCOUNT.ref)


def tell_platform(app, events: list[dict]) -> None:
    """Deliver `events` to the platform's webhook endpoint, signed, oldest first (as Stripe would have)."""
    client = app.test_client()
    for event in events:
        body = json.dumps(event).encode()
        header = Signer([SECRET]).sign(body)["Stripe-Signature"]
        answer = client.post("/api/v6/integrations/stripe/web-hooks", data=body,
                             headers={"Stripe-Signature": header, "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """(calls, the catalogue's ids, the data folder, the events the platform was told): every call the platform
    made, as the fake Stripe saw it."""
    tmp_path = tmp_path_factory.mktemp("contract")
    fake = FakeStripe(seed="empty", api_key=KEY, time_scale=0)
    seeded = fake.load_seed("guide")["products"]
    pro = {**seeded["professional_1m"], "other_recurring": seeded["business_1m"]["recurring"]}
    recorder = Recorder(fake.app)
    fake.app = recorder
    told: list[dict] = []
    with fake.serving() as base:
        app = platform_app(tmp_path, base)
        state = app.extensions["platform_adapter"]

        def complete(session_id: str) -> str:
            """Complete the session on the fake, then tell the platform what Stripe's webhooks would have."""
            completed = requests.post(f"{base}/_sim/checkout/sessions/{session_id}/complete",
                                      headers=sim_auth(KEY), timeout=10).json()
            listed = requests.get(f"{base}/v1/events", params={"limit": 100}, auth=(KEY, ""), timeout=10).json()
            told.extend(reversed(listed["data"]))
            tell_platform(app, told)
            return completed["subscription"]

        drive(state, recorder, account=account_row(state), recurring=pro["recurring"], one_time=pro["one_time"],
              other_recurring=pro["other_recurring"], currency="eur", subscription_for=complete, api_key=KEY, api_base=base)
        state.store.close()
    return recorder.calls, pro, tmp_path, told
