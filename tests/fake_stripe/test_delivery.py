"""The fake's webhook fan-out under the delivery policy `fire` uses: order per batch, seeded shuffles,
duplicates, retry profiles, and `/_sim/delivery` changing them at run time."""

import json

import pytest
import requests
import stripe

from simulator.delivery.policy import DeliveryPolicy
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving
from tests.support.sink import ScriptedSink

from .conftest import KEY, START, complete, subscription_session
from tests.support.sim import sim_auth


def purchase(policy: DeliveryPolicy | None) -> tuple[list[str], list[str]]:
    """Complete one subscription Checkout on a fresh fake under `policy`: (engine order, received order) of types."""
    fake = FakeStripe(seed="guide", clock=lambda: START, delivery=policy)
    receiver = VerifyingReceiver([])
    try:
        with fake.serving() as base, serving(receiver) as hook:
            client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
            endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": ["*"]})
            receiver.secrets.append(endpoint.secret)
            guide = {p.lookup_key: p for p in client.v1.prices.list({"limit": 100}).data}
            guide["vat"] = client.v1.tax_rates.list().data[0]
            session = subscription_session(client, guide)
            made = client.v1.events.list({"limit": 100}).data
            complete(base, session.id)
            assert fake.wait_for_deliveries(10)
            engine = [e.id for e in client.v1.events.list({"limit": 100, "ending_before": made[0].id}).data][::-1]
    finally:
        fake.close()
    assert all(r.verified for r in receiver.received)
    return engine, [r.event_id for r in receiver.received]


def test_default_is_the_engines_order_and_stated():
    engine, received = purchase(None)
    assert len(engine) == 12 and received == engine
    assert FakeStripe().delivery.order == "in-order"


def test_shuffled_is_a_seeded_permutation_of_each_batch():
    engine, received = purchase(DeliveryPolicy(order="shuffled", seed="7", time_scale=0.001))
    assert sorted(received) == sorted(engine) and received != engine
    # The same seed and the same actions shuffle the same way (ids come from the fake's id seed, also the same).
    assert purchase(DeliveryPolicy(order="shuffled", seed="7", time_scale=0.001))[1] == received
    assert purchase(DeliveryPolicy(order="shuffled", seed="8", time_scale=0.001))[1] != received


def test_reversed_with_duplicates():
    engine, received = purchase(DeliveryPolicy(order="reversed", duplicates=1, time_scale=0.001))
    assert received == [id for id in engine[::-1] for _ in range(2)]


def test_retry_profile_none_gives_up_after_one_attempt(fake, base_url, client):
    fake.set_delivery(retry="none")
    sink = ScriptedSink(script=[500, 200])
    with serving(sink) as target:
        client.v1.webhook_endpoints.create({"url": target + "/hook", "enabled_events": ["customer.created"]})
        client.v1.customers.create({"email": "a@example.com"})
        assert fake.wait_for_deliveries(5)
    assert [(d["attempt"], d["status"], d["next_retry_in"]) for d in fake.deliveries] == [(1, 500, None)]
    assert len(sink.hits) == 1


def test_sim_delivery_shows_and_changes_the_options_at_run_time(fake, base_url, client):
    shown = requests.get(base_url + "/_sim/delivery", headers=sim_auth(), timeout=5).json()
    assert (shown["order"], shown["duplicates"], shown["retry"]) == ("in-order", 0, "test")
    assert shown["retry_delays"] == pytest.approx([60 * fake.time_scale, 3600 * fake.time_scale,
                                                   3 * 3600 * fake.time_scale])
    changed = requests.post(base_url + "/_sim/delivery", data={"order": "reversed", "duplicates": "1",
                                                               "retry": "live"}, headers=sim_auth(), timeout=5).json()
    assert (changed["order"], changed["duplicates"], changed["retry"]) == ("reversed", 1, "live")
    assert len(changed["retry_delays"]) == 11 and fake.delivery.order == "reversed"
    customer = client.v1.customers.create({"email": "b@example.com"})
    sink = ScriptedSink()
    with serving(sink) as target:
        client.v1.webhook_endpoints.create({"url": target + "/hook",
                                            "enabled_events": ["payment_method.attached", "customer.updated"]})
        # One helper call makes two events: attached, then the customer's new default.
        assert requests.post(f"{base_url}/_sim/customers/{customer.id}/card", data={"card": "4242424242424242"},
                             headers=sim_auth(), timeout=5).status_code == 200
        assert fake.wait_for_deliveries(5)
    types = [json.loads(h.body)["type"] for h in sink.hits]
    assert types == ["customer.updated", "customer.updated", "payment_method.attached", "payment_method.attached"]


@pytest.mark.parametrize("data,param", [
    pytest.param({"order": "sorted"}, "order", id="order"),
    pytest.param({"retry": "forever"}, "retry", id="retry"),
    pytest.param({"duplicates": "-1"}, "duplicates", id="duplicates"),
    pytest.param({"duplicates": "x"}, "duplicates", id="duplicates-not-a-number"),
    pytest.param({"time_scale": "fast"}, "time_scale", id="time-scale"),
])
def test_sim_delivery_refuses_bad_values_by_name(fake, base_url, data, param):
    response = requests.post(base_url + "/_sim/delivery", data=data, headers=sim_auth(), timeout=5)
    assert response.status_code == 400 and response.json()["error"]["param"] == param
    assert fake.delivery == DeliveryPolicy(retry="test", time_scale=fake.time_scale)
