"""The platform against the fake Stripe API: the catalogue is made through the SDK and resolved by the platform.

Two ways in: simulator sequences told on the fake itself, so every object the events name is there
(delivered by the simulator's sender, shuffled and redelivered), and the fake's own hosted Checkout and webhooks.
"""

import time
from dataclasses import dataclass

import pytest
import requests
import stripe

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.probe import iso
from simulator.delivery.policy import DeliveryPolicy
from simulator.periods import shift_months
from simulator.delivery.receiver import serving
from simulator.delivery.sender import WebhookSender
from simulator.stories import Story, new_story
from simulator.versions import CURRENT, PRE_BASIL

from tests.support.required import need

from .support import SECRET, START, STORY_FOR, TOKEN, Probe, expected, record_of, state_of
from tests.support.sim import sim_auth

try:
    from simulator.fake_stripe import FakeStripe
except ImportError:  # built in parallel; the tests below say so instead of failing to collect
    FakeStripe = None

HANDLED = ["checkout.session.completed", "invoice.paid", "customer.subscription.updated",
           "customer.subscription.deleted"]


@dataclass
class Catalogue:
    """What the tests created in the fake Stripe through the SDK."""

    client: stripe.StripeClient
    base: str
    ids: dict


def _plan(client, name: str, metadata: dict, interval: str, count: int = 1) -> dict:
    product = client.v1.products.create({"name": name, "metadata": metadata})
    recurring = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 2900,
                                         "recurring": {"interval": interval, "interval_count": count}})
    one_time = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 2900})
    return {"product": product.id, "price": recurring.id, "one_time": one_time.id}


@pytest.fixture(scope="module")
def fake_stripe():
    need(FakeStripe is not None, "fake Stripe not available")
    now = int(time.time())
    fake = FakeStripe(seed="empty", clock=lambda: now)  # time moves only when a story or a test advances it
    with fake.serving() as base:
        client = stripe.StripeClient("sk_test_platform", base_addresses={"api": base})
        yield fake, Catalogue(client, base, {
            "pro": _plan(client, "1-month Professional Account", {"accountType": "professional", "interval": "1"},
                         "month"),
            "biz": _plan(client, "1-month Business Account", {"accountType": "business", "interval": "1"}, "month"),
            "biz_year": _plan(client, "12-month Business Account", {"accountType": "business", "interval": "12"},
                              "year"),
            "bad": _plan(client, "Broken product", {"AccountType": "school", "interval": "1"}, "month"),
        })


@pytest.fixture
def catalogue(fake_stripe) -> Catalogue:
    return fake_stripe[1]


@pytest.fixture
def platform(tmp_path, catalogue):
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                        stripe_api_base=catalogue.base, data_dir=str(tmp_path / "data"))
    app = create_app(settings)  # the real SDK gateway, pointed at the fake
    with serving(app) as base:
        yield Probe(base)
    app.extensions["platform_adapter"].store.close()


def world_for(catalogue: Catalogue, ref: str, plan: str = "pro", new_plan: str = "biz", seed: str = "fake",
              **kw) -> Story:
    """A story told on the served fake itself, with the catalogue the tests made there."""
    old, new = catalogue.ids[plan], catalogue.ids[new_plan]
    months = {"biz_year": 12}.get(new_plan)
    told = new_story(api_base=catalogue.base, api_key="sk_test_platform", seed=seed, start=START, account=ref,
                     price=old["price"], product=old["product"], new_price=new["price"],
                     new_product=new["product"], new_interval_months=months, **kw)
    told.plan.one_time_price_id, told.new_plan.one_time_price_id = old["one_time"], new["one_time"]
    return told


@pytest.mark.parametrize("version", [CURRENT, PRE_BASIL], ids=["current", "pre-basil"])
@pytest.mark.parametrize("name", list(STORY_FOR))
def test_sequences_with_real_catalogue_ids(platform, catalogue, name, version):
    ref = platform.create_account()
    world = world_for(catalogue, ref, seed=f"{name}-{version}")
    events = world.run(STORY_FOR[name], version)
    policy = DeliveryPolicy(order="shuffled", duplicates=1, retry="none", seed=name, time_scale=0)
    report = WebhookSender(platform.webhook_url, [SECRET], policy).send(events)
    assert report.ok, report.failed
    want = expected(name, record_of(world))
    account = platform.account(ref)
    assert (account["accountType"], account["paidUntil"], account["autoRenew"]) == (want[0], iso(want[1]), want[2])
    assert not [(e["type"], e["outcome"], e.get("reason")) for e in platform.events() if e["outcome"] in ("pending", "rejected")]


def test_interval_change_to_a_yearly_product(platform, catalogue):
    ref = platform.create_account()
    world = world_for(catalogue, ref, new_plan="biz_year")
    events = world.run(["first-purchase", "plan-change"], CURRENT)
    assert WebhookSender(platform.webhook_url, [SECRET], DeliveryPolicy(order="reversed", retry="none")).send(events).ok
    account = platform.account(ref)
    start, end = record_of(world).subscription.period
    assert (account["accountType"], account["paidUntil"]) == ("business", iso(end))
    assert end == shift_months(start, 12)  # a new interval restarts the period at the change


def test_product_breaking_the_rules_is_rejected(platform, catalogue):
    ref = platform.create_account()
    world = world_for(catalogue, ref, plan="bad")
    events = world.run(["first-purchase"], CURRENT)
    WebhookSender(platform.webhook_url, [SECRET], DeliveryPolicy(retry="none")).send(events)
    assert state_of(platform.account(ref)) == (None, None, False, False)
    reasons = [e["reason"] for e in platform.events(account=ref) if e["outcome"] == "rejected"]
    assert reasons and all("case-sensitive" in r for r in reasons)


def test_catalogue_survives_stripe_outage_once_learned(tmp_path, catalogue):
    data = str(tmp_path / "data")
    ref = "acct-cached"
    world = world_for(catalogue, ref)
    events = world.run(["first-purchase", "renewal"], CURRENT)
    first = [e for e in events if e["type"] == "invoice.paid"][:1]
    base_settings = dict(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN, data_dir=data)
    online = create_app(Settings(stripe_api_base=catalogue.base, **base_settings))
    with serving(online) as base:
        Probe(base).create_account(id=ref)
        assert WebhookSender(base + "/api/v6/integrations/stripe/web-hooks", [SECRET],
                             DeliveryPolicy(retry="none")).send(first).ok
    online.extensions["platform_adapter"].store.close()
    # Same database, Stripe now unreachable: the renewal still applies from the catalogue table.
    offline = create_app(Settings(stripe_api_base="http://127.0.0.1:9", stripe_max_retries=0, **base_settings))
    with serving(offline) as base:
        probe = Probe(base)
        assert WebhookSender(probe.webhook_url, [SECRET], DeliveryPolicy(retry="none")).send(events).ok
        assert probe.account(ref)["paidUntil"] == iso(record_of(world).subscription.period[1])
        # A price it never met needs Stripe: 500, nothing stored, Stripe will retry.
        other = world_for(catalogue, ref, plan="biz", seed="other").run(["first-purchase"], CURRENT)
        paid = next(e for e in other if e["type"] == "invoice.paid")
        response = probe.post_event(paid)
        assert response.status_code == 500 and response.json()["error"]["code"] == "stripe_unavailable"
        assert paid["id"] not in {e["id"] for e in probe.events()}
    offline.extensions["platform_adapter"].store.close()


class Late:
    """A WSGI app assigned after its URL is known (the endpoint's secret comes from the fake)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def test_hosted_checkout_and_fake_stripe_webhooks_end_to_end(tmp_path, fake_stripe):
    fake, catalogue = fake_stripe
    late = Late()
    with serving(late) as base:
        endpoint = catalogue.client.v1.webhook_endpoints.create({
            "url": base + "/api/v6/integrations/stripe/web-hooks", "enabled_events": HANDLED})
        late.app = create_app(Settings(stripe_secret_key="sk_test_platform", webhook_secret=endpoint.secret,
                                       probe_token=TOKEN, stripe_api_base=catalogue.base,
                                       data_dir=str(tmp_path / "data")))
        probe = Probe(base)
        try:
            ref = probe.create_account()
            once = catalogue.client.v1.checkout.sessions.create({
                "mode": "payment", "success_url": "https://meeting.example.com/ok", "client_reference_id": ref,
                "payment_intent_data": {"metadata": {"accountRef": ref}},
                "line_items": [{"price": catalogue.ids["biz"]["one_time"], "quantity": 1}]})
            sub = catalogue.client.v1.checkout.sessions.create({
                "mode": "subscription", "success_url": "https://meeting.example.com/ok", "client_reference_id": ref,
                "subscription_data": {"metadata": {"accountRef": ref}},
                "line_items": [{"price": catalogue.ids["pro"]["price"], "quantity": 1}]})
            for session in (once, sub):
                assert requests.post(f"{catalogue.base}/_sim/checkout/sessions/{session.id}/complete",
                                     headers=sim_auth("sk_test_platform"), timeout=10).status_code == 200
            assert fake.wait_for_deliveries(10)
            account = probe.account(ref)
            assert (account["accountType"], account["autoRenew"], account["active"]) == ("professional", True, True)
            first_end = account["paidUntil"]
            fake.advance(seconds=32 * 86400)  # past the period end: the fake renews and sends the events
            assert fake.wait_for_deliveries(10)
            renewed = probe.account(ref)
            assert renewed["paidUntil"] > first_end and renewed["autoRenew"] is True
            assert {e["outcome"] for e in probe.events(account=ref)} == {"applied"}
        finally:
            catalogue.client.v1.webhook_endpoints.delete(endpoint.id)
            late.app.extensions["platform_adapter"].store.close()
