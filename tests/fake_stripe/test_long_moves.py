"""A long clock move runs in steps: other requests to the same account are answered while it runs."""

import threading
import time

import pytest
import requests
import stripe

from simulator.engine import state as engine_state

from .conftest import KEY
from tests.support.sim import sim_auth

SUBSCRIPTIONS = 40


def subscribe_many(client, guide) -> None:
    price = guide["professional_1m_recurring"].id
    for index in range(SUBSCRIPTIONS):
        customer = client.v1.customers.create({"email": f"many{index}@example.com", "payment_method": "pm_card_visa",
                                               "invoice_settings": {"default_payment_method": "pm_card_visa"}})
        client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price}]})


def test_other_requests_are_answered_during_a_long_move(fake, base_url, client, guide, monkeypatch):
    subscribe_many(client, guide)
    monkeypatch.setattr(engine_state, "STEP_JOBS", 2)  # many steps
    answered, moved = [], {}
    one_answered = threading.Event()
    # Between two steps, wait (bounded) until a request waiting for the lock got in: deterministic on a busy box.
    monkeypatch.setattr(fake.sandbox(KEY).state.lock, "pause", lambda: one_answered.wait(10))

    def move():
        started = time.monotonic()
        answer = requests.post(base_url + "/_sim/clock/advance", data={"seconds": 40 * 86400},
                               headers=sim_auth(KEY), timeout=60)
        moved.update(status=answer.status_code, seconds=time.monotonic() - started, end=time.monotonic())

    mover = threading.Thread(target=move)
    mover.start()
    while mover.is_alive():
        requests.get(base_url + "/_sim/clock", headers=sim_auth(KEY), timeout=60)
        answered.append(time.monotonic())
        one_answered.set()
    mover.join()
    assert moved["status"] == 200
    during = [t for t in answered if t < moved["end"] - 0.01]
    assert during, f"no request was answered during the {moved['seconds']:.2f} s move"
    renewed = [i for i in client.v1.invoices.list({"limit": 100}).data if i.billing_reason == "subscription_cycle"]
    assert len(renewed) == SUBSCRIPTIONS  # every renewal due ran, step by step


def test_one_step_holds_the_lock_for_the_whole_move_when_steps_are_unbounded(fake, base_url, client, guide,
                                                                             monkeypatch):
    """The broken variant: one step for everything lets no request in (shows the check above can fail)."""
    subscribe_many(client, guide)
    monkeypatch.setattr(engine_state, "STEP_JOBS", 10 ** 9)
    state = fake.sandbox(KEY).state
    original, calls = state.run_due, []

    def slow_run_due(*args, **kwargs):
        calls.append(kwargs.get("limit"))
        time.sleep(0.5)  # a long move: without steps, nobody gets the lock meanwhile
        return original(*args, **kwargs)

    monkeypatch.setattr(state, "run_due", slow_run_due)
    answered, moved = [], {}

    def move():
        answer = requests.post(base_url + "/_sim/clock/advance", data={"seconds": 40 * 86400},
                               headers=sim_auth(KEY), timeout=60)
        moved.update(status=answer.status_code, end=time.monotonic())

    mover = threading.Thread(target=move)
    mover.start()
    time.sleep(0.1)
    while mover.is_alive():
        requests.get(base_url + "/_sim/clock", headers=sim_auth(KEY), timeout=60)
        answered.append(time.monotonic())
    mover.join()
    assert moved["status"] == 200 and calls == [10 ** 9]
    assert not [t for t in answered if t < moved["end"] - 0.05]


def test_a_test_clocks_long_advance_lets_other_requests_in_and_says_advancing(fake, base_url, client, guide,
                                                                             monkeypatch):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": fake.now})
    price = guide["professional_1m_recurring"].id
    for index in range(SUBSCRIPTIONS):
        customer = client.v1.customers.create({"email": f"clock{index}@example.com", "test_clock": clock.id,
                                               "payment_method": "pm_card_visa",
                                               "invoice_settings": {"default_payment_method": "pm_card_visa"}})
        client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price}]})
    monkeypatch.setattr(engine_state, "STEP_JOBS", 2)
    paused, go = threading.Event(), threading.Event()

    def pause():  # the first time the move lets go of the lock, hold it there until the checks below are done
        paused.set()
        go.wait(10)

    monkeypatch.setattr(fake.sandbox(KEY).state.lock, "pause", pause)
    mover = threading.Thread(target=lambda: client.v1.test_helpers.test_clocks.advance(
        clock.id, {"frozen_time": fake.now + 40 * 86400}))
    mover.start()
    try:
        assert paused.wait(30)
        assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "advancing"  # answered mid-move
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": fake.now + 41 * 86400})
        assert refused.value.code == "test_clock_advancing"
    finally:
        go.set()
        mover.join()
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"
    renewed = [i for i in client.v1.invoices.list({"limit": 100}).data if i.billing_reason == "subscription_cycle"]
    assert len(renewed) == SUBSCRIPTIONS
