"""The /_sim helpers and webhook endpoint management."""

import requests
import stripe

from simulator.fake_stripe import FakeStripe

from .conftest import KEY, START, complete, subscription_session


def test_reset_and_seed(client, base_url):
    assert requests.post(base_url + "/_sim/reset", timeout=5).json()["reset"] is True
    assert client.v1.products.list().data == [] and client.v1.events.list().data == []
    seeded = requests.post(base_url + "/_sim/seed", data={"name": "guide"}, timeout=5).json()
    assert seeded["created"]["products"]["professional_1m"]["recurring"].startswith("price_")
    assert len(client.v1.products.list().data) == 3
    bad = requests.post(base_url + "/_sim/seed", data={"name": "nope"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "name"


def test_clock_helper_moves_only_forward(base_url, fake):
    assert requests.get(base_url + "/_sim/clock", timeout=5).json()["now"] == START
    assert requests.post(base_url + "/_sim/clock/advance", data={"seconds": 30}, timeout=5).json()["now"] == START + 30
    backwards = requests.post(base_url + "/_sim/clock/advance", data={"to": START}, timeout=5)
    assert backwards.status_code == 400 and fake.now == START + 30
    assert requests.post(base_url + "/_sim/clock/advance", timeout=5).status_code == 400


def test_complete_helper_errors_in_stripes_shape(base_url):
    missing = requests.post(base_url + "/_sim/checkout/sessions/cs_test_nope/complete", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "resource_missing"


def test_deliveries_helper_and_endpoint_management(client, base_url, fake, guide, hooks):
    with hooks(events=["checkout.session.completed"]) as (receiver, endpoint):
        assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id).to_dict()
        assert [e.id for e in client.v1.webhook_endpoints.list().data] == [endpoint.id]
        complete(base_url, subscription_session(client, guide).id)
        assert fake.wait_for_deliveries(5)
        client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})
        complete(base_url, subscription_session(client, guide).id)
        assert fake.wait_for_deliveries(5)
        client.v1.webhook_endpoints.update(endpoint.id, {"disabled": False, "enabled_events": ["invoice.paid"]})
        complete(base_url, subscription_session(client, guide).id)
        assert fake.wait_for_deliveries(5)
        assert client.v1.webhook_endpoints.delete(endpoint.id).deleted is True
    listed = requests.get(base_url + "/_sim/deliveries", timeout=5).json()["data"]
    assert [d["type"] for d in listed] == ["checkout.session.completed", "invoice.paid"]
    assert [r.type for r in receiver.received] == ["checkout.session.completed", "invoice.paid"]
    assert listed[0]["status"] == 200 and listed[0]["response"] == '{"received": true}'


def test_in_process_api_without_serving():
    fake = FakeStripe(seed="guide", clock=lambda: START)
    assert fake.now == START and fake.advance(seconds=10) == START + 10 and fake.advance(to=START + 20) == START + 20
    assert fake.deliveries == [] and fake.wait_for_deliveries(0.1)
    with fake.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        assert len(client.v1.products.list().data) == 3
    fake.close()


def test_the_app_is_plain_wsgi_and_runs_under_another_server():
    from simulator.delivery.receiver import serving as werkzeug_serving
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with werkzeug_serving(fake.app) as base:  # werkzeug's server instead of the fake's own
        fake.state.base_url = base
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        price = client.v1.prices.list({"lookup_keys": ["professional_1m_one_time"]}).data[0]
        session = client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://a.example/ok",
                                                      "line_items": [{"price": price.id, "quantity": 1}]})
        assert requests.get(session.url, timeout=5).status_code == 200
        assert complete(base, session.id).json()["status"] == "complete"
    fake.close()
