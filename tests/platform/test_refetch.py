"""Re-fetch mode (the object an event names, as Stripe holds it now) and the probe's fault switch."""

import copy
import dataclasses

import pytest

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError
from simulator.delivery.receiver import serving

from .support import PROBE_PREFIX, Probe, story

SESSION_EVENT = "checkout.session.completed"


@pytest.fixture
def refetching(settings, gateway):
    app = create_app(dataclasses.replace(settings, refetch_events=True), gateway=gateway)
    with serving(app) as base:
        yield Probe(base)
    app.extensions["platform_adapter"].store.close()


def paid_session_event(account: str) -> dict:
    events, _ = story(["one-time-purchase"], account=account)
    return next(e for e in events if e["type"] == SESSION_EVENT)


def test_the_session_stripe_holds_now_decides(refetching, gateway):
    ref = refetching.create_account()
    event = paid_session_event(ref)
    session = event["data"]["object"]
    gateway.objects[session["id"]] = copy.deepcopy(session)
    event["data"]["object"] = {**session, "payment_status": "unpaid"}  # the snapshot says unpaid; Stripe: paid
    answer = refetching.post_event(event)
    assert answer.status_code == 200 and answer.json()["outcome"] == "applied", answer.text
    assert ("latest", session["id"]) in gateway.calls
    assert refetching.account(ref)["accountType"] == "professional"


def test_an_object_stripe_does_not_know_is_rejected(refetching, gateway):
    ref = refetching.create_account()
    answer = refetching.post_event(paid_session_event(ref))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["outcome"], answer.json()["reasonCode"]) == ("rejected", "object_unknown")
    assert refetching.account(ref)["paidUntil"] is None


def test_a_malformed_snapshot_is_rejected_naming_the_field_without_asking_stripe(refetching, gateway):
    event = paid_session_event(refetching.create_account())
    event["data"]["object"]["status"] = {}
    answer = refetching.post_event(event)
    assert (answer.json()["outcome"], answer.json()["reasonCode"]) == ("rejected", "invalid_status")
    assert not [c for c in gateway.calls if c[0] == "latest"]


def test_without_the_setting_the_snapshot_is_read(probe, gateway):
    ref = probe.create_account()
    answer = probe.post_event(paid_session_event(ref))
    assert answer.json()["outcome"] == "applied" and not [c for c in gateway.calls if c[0] == "latest"]


@pytest.mark.parametrize("value, expected", [("1", True), ("on", True), ("false", False), ("0", False)])
def test_the_setting_from_the_environment(tmp_path, value, expected):
    settings = Settings.from_env({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
                                  "SIMPLEX_REFETCH_EVENTS": value, "SIMPLEX_DATA_DIR": str(tmp_path)})
    assert settings.refetch_events is expected


def test_a_setting_that_is_not_on_or_off_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="SIMPLEX_REFETCH_EVENTS"):
        Settings.from_env({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
                           "SIMPLEX_REFETCH_EVENTS": "maybe", "SIMPLEX_DATA_DIR": str(tmp_path)})


def test_the_fault_switch_fails_the_next_delivery_and_the_retry_applies_once(probe):
    ref = probe.create_account()
    event = paid_session_event(ref)
    armed = probe.session.post(f"{probe.base}{PROBE_PREFIX}/faults", json={"failDeliveries": 1},
                               headers=probe._headers(), timeout=10)
    assert armed.status_code == 200 and armed.json() == {"failDeliveries": 1}, armed.text
    failed = probe.post_event(event)
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "storage_error", failed.text
    assert probe.account(ref)["paidUntil"] is None and not probe.events(ref)
    retried = probe.post_event(event)
    assert retried.status_code == 200 and retried.json()["outcome"] == "applied", retried.text
    assert probe.post_event(event).json()["outcome"] == "duplicate"
    assert [e["outcome"] for e in probe.events(ref)] == ["applied", "duplicate"]


@pytest.mark.parametrize("body", [None, {}, {"failDeliveries": -1}, {"failDeliveries": 101},
                                  {"failDeliveries": True}, {"failDeliveries": "1"}])
def test_a_bad_fault_switch_body_is_400(probe, body):
    answer = probe.session.post(f"{probe.base}{PROBE_PREFIX}/faults", json=body, headers=probe._headers(), timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request", answer.text
