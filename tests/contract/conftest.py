"""The platform's outbound Stripe calls, recorded once per session against the fake Stripe (guide seed)."""

import time
from types import SimpleNamespace

import pytest
import requests

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe

from .outbound import drive
from .recording import Recorder

KEY = "sk_test_contract_4242"
SECRET = "whsec_contract_tests_0123456789"
ACCOUNT = SimpleNamespace(ref="acct-contract", email="contract@example.com")


def platform_state(tmp_path, api_base: str):
    """A reference platform's state (SQLite under `tmp_path`) whose SDK client calls `api_base`."""
    settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, stripe_api_base=api_base,
                        stripe_max_retries=0, data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    state = app.extensions["platform_adapter"]
    with state.store.write() as tx:
        if tx.account_by_ref(ACCOUNT.ref) is None:
            tx.create_account(ACCOUNT.ref, ACCOUNT.email, time.time())
    return state


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """(calls, the catalogue's ids, the data folder): every call the platform made, as the fake Stripe saw it."""
    tmp_path = tmp_path_factory.mktemp("contract")
    fake = FakeStripe(seed="empty", api_key=KEY, time_scale=0)
    pro = fake.load_seed("guide")["products"]["professional_1m"]
    recorder = Recorder(fake.app)
    fake.app = recorder
    with fake.serving() as base:
        def complete(session_id: str) -> str:
            return requests.post(f"{base}/_sim/checkout/sessions/{session_id}/complete", timeout=10).json()[
                "subscription"]

        state = platform_state(tmp_path, base)
        drive(state, recorder, account=ACCOUNT, recurring=pro["recurring"], one_time=pro["one_time"],
              currency="eur", subscription_for=complete, api_key=KEY, api_base=base)
        state.store.close()
    return recorder.calls, pro, tmp_path
