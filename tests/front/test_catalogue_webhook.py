"""One source of truth: the product loader's table is what the webhook maps prices with."""

from dataclasses import replace

from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import WebhookSender
from simulator.stories import new_story
from simulator.versions import CURRENT

START = 1769853600  # 2026-01-31T10:00:00Z


def deliver(platform, ref: str, price: str, product: str, seed: str) -> None:
    events = new_story(seed=seed, start=START, account=ref, price=price, product=product).run(["first-purchase"],
                                                                                               CURRENT)
    report = WebhookSender(platform.base + "/api/v6/integrations/stripe/web-hooks", [platform.webhook_secret],
                           DeliveryPolicy(retry="none", time_scale=0)).send(events)
    assert report.ok, report.failed


def account_type(platform, ref: str):
    return platform.probe("GET", f"/accounts/{ref}").json()["accountType"]


def test_loaded_prices_map_without_asking_stripe(platform):
    platform.configure()
    prices = platform.guide_prices()
    product = platform.client.v1.prices.retrieve(prices["business_1m_recurring"]).product
    config = platform.state.config
    config.base = replace(config.base, stripe_api_base="http://127.0.0.1:9")  # Stripe gone after the load
    config.stored()
    platform.probe("POST", "/accounts", json={"email": "a@example.com", "id": "acct-loaded"})
    deliver(platform, "acct-loaded", prices["business_1m_recurring"], product, "loaded")
    assert account_type(platform, "acct-loaded") == "business"


def test_fixing_a_product_and_loading_again_makes_its_purchases_count(platform):
    bad = platform.client.v1.products.create({"name": "Classroom", "metadata": {"AccountType": "classroom",
                                                                                "interval": "1"}})
    price = platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900,
                                              "recurring": {"interval": "month"}}).id
    web = platform.configure()
    platform.probe("POST", "/accounts", json={"email": "b@example.com", "id": "acct-fixed"})
    deliver(platform, "acct-fixed", price, bad.id, "before")
    assert account_type(platform, "acct-fixed") is None
    events = platform.probe("GET", "/events", params={"account": "acct-fixed"}).json()["events"]
    assert any(e["outcome"] == "rejected" and "AccountType" in e["reason"] for e in events)
    platform.client.v1.products.update(bad.id, {"metadata": {"AccountType": "", "accountType": "classroom"}})
    assert "4 product(s): 4 offered" in web.post("/admin/stripe/products").text
    deliver(platform, "acct-fixed", price, bad.id, "after")
    assert account_type(platform, "acct-fixed") == "classroom"
