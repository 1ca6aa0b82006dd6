"""The /_sim helpers and webhook endpoint management."""

import time

import pytest
import requests
import stripe

from simulator.fake_stripe import FakeStripe

from tests.support.sim import sim_auth

from .conftest import KEY, START, complete, subscription_session


def test_reset_and_seed(client, base_url):
    assert requests.post(base_url + "/_sim/reset", headers=sim_auth(), timeout=5).json()["reset"] is True
    assert client.v1.products.list().data == [] and client.v1.events.list().data == []
    seeded = requests.post(base_url + "/_sim/seed", data={"name": "guide"}, headers=sim_auth(), timeout=5).json()
    assert seeded["created"]["products"]["professional_1m"]["recurring"].startswith("price_")
    assert len(client.v1.products.list().data) == 3
    bad = requests.post(base_url + "/_sim/seed", data={"name": "nope"}, headers=sim_auth(), timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "name"


def test_clock_helper_moves_only_forward(base_url, fake):
    assert requests.get(base_url + "/_sim/clock", headers=sim_auth(), timeout=5).json()["now"] == START
    assert requests.post(base_url + "/_sim/clock/advance", data={"seconds": 30},
                         headers=sim_auth(), timeout=5).json()["now"] == START + 30
    backwards = requests.post(base_url + "/_sim/clock/advance", data={"to": START}, headers=sim_auth(), timeout=5)
    assert backwards.status_code == 400 and fake.now == START + 30
    assert requests.post(base_url + "/_sim/clock/advance", headers=sim_auth(), timeout=5).status_code == 400


def test_complete_helper_errors_in_stripes_shape(base_url):
    missing = requests.post(base_url + "/_sim/checkout/sessions/cs_test_nope/complete", headers=sim_auth(), timeout=5)
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
    listed = requests.get(base_url + "/_sim/deliveries", headers=sim_auth(), timeout=5).json()["data"]
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


@pytest.mark.parametrize("header", [None, "Bearer sk_live_abc123", "Bearer pk_test_abc123", "Bearer nonsense",
                                    "Basic Zm9vOg=="])
def test_the_helpers_need_the_fakes_secret_key(base_url, client, guide, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("POST", "/_sim/reset"), ("POST", "/_sim/clock/advance?seconds=60"), ("GET", "/_sim/clock"),
                         ("GET", "/_sim/deliveries"), ("POST", "/_sim/seed"), ("POST", "/_sim/delivery?duplicates=1")):
        answer = requests.request(method, base_url + path, headers=headers, timeout=5)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["error"]["type"] == "invalid_request_error"
    assert len(client.v1.products.list().data) == 3  # the reset did not happen
    assert requests.get(base_url + "/_sim/clock", headers=sim_auth(), timeout=5).json()["now"] == START


def test_a_pinned_key_is_the_only_key_the_helpers_take():
    fake = FakeStripe(seed="empty", api_key="sk_test_pinned_helpers", clock=lambda: START)
    with fake.serving() as base:
        assert requests.get(base + "/_sim/clock", headers=sim_auth(), timeout=5).status_code == 401
        assert requests.get(base + "/_sim/clock", headers=sim_auth("sk_test_pinned_helpers"), timeout=5).json() \
            == {"object": "sim.clock", "now": START}


def test_a_thousand_year_advance_is_400_at_once_and_the_fake_keeps_serving(base_url, client, guide, fake):
    for n in range(3):  # three live subscriptions whose renewals a 1,000-year move would all run
        complete(base_url, subscription_session(client, guide, account=f"acct-{n}").id).raise_for_status()
    started = time.monotonic()
    answer = requests.post(base_url + "/_sim/clock/advance", data={"seconds": 31536000000}, headers=sim_auth(),
                           timeout=5)
    assert time.monotonic() - started < 1.0
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "seconds"
    assert "two intervals" in answer.json()["error"]["message"] and fake.now == START
    far = requests.post(base_url + "/_sim/clock/advance", data={"to": 2 ** 62}, headers=sim_auth(), timeout=5)
    assert far.status_code == 400 and far.json()["error"]["param"] == "to"
    assert len(client.v1.products.list().data) == 3  # still serving
    # Two months (two intervals of the monthly plan) is allowed: one renewal each.
    limit_ok = requests.post(base_url + "/_sim/clock/advance", data={"seconds": 59 * 86400}, headers=sim_auth(),
                             timeout=10)
    assert limit_ok.status_code == 200, limit_ok.text


@pytest.mark.parametrize("data, param", [({"duplicates": "1000000000"}, "duplicates"),
                                         ({"duplicates": "-1"}, "duplicates"), ({"time_scale": "nan"}, "time_scale"),
                                         ({"time_scale": "1e308"}, "time_scale")])
def test_delivery_options_that_would_make_unbounded_work_are_400(base_url, data, param):
    answer = requests.post(base_url + "/_sim/delivery", data=data, headers=sim_auth(), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param
    shown = requests.get(base_url + "/_sim/delivery", headers=sim_auth(), timeout=5).json()
    assert (shown["duplicates"], shown["time_scale"]) == (0, 0.001)


def test_the_hosted_checkout_page_sends_a_content_security_policy(base_url, client, guide):
    session = subscription_session(client, guide)
    for path in (f"/c/pay/{session.id}", "/c/pay/cs_test_unknown"):
        page = requests.get(base_url + path, timeout=5)
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, path
        assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
