"""The probe's catalogue/load and checkout extensions (docs/conformance-contract.md §2)."""

from dataclasses import replace

import pytest
import requests

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.delivery.receiver import serving

from .support import SECRET_KEY, Platform
from tests.support.sim import sim_auth

LOAD, CHECKOUT = "/catalogue/load", "/checkout"


def test_routes_are_404_without_a_probe_token_and_401_without_the_bearer(tmp_path, platform):
    app = create_app(Settings(stripe_secret_key=SECRET_KEY, webhook_secret="whsec_x", data_dir=str(tmp_path / "d")))
    with serving(app) as base:
        other = Platform(base, app, None, "", None)
        for path in (LOAD, CHECKOUT):
            assert other.probe("POST", path, json={}).status_code == 404
    app.extensions["platform_adapter"].store.close()
    for token in (None, "wrong"):
        for path in (LOAD, CHECKOUT):
            response = platform.probe("POST", path, token=token, json={})
            assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_load_before_any_key_is_503_not_configured(platform):
    response = platform.probe("POST", LOAD)
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_configured"


def test_load_returns_every_product_with_its_verdict(platform):
    bad = platform.client.v1.products.create({"name": "Broken", "metadata": {"accountType": "school", "interval": "1"}})
    platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900,
                                      "recurring": {"interval": "month", "interval_count": 3}})
    platform.configure()
    response = platform.probe("POST", LOAD)
    assert response.status_code == 200
    products = {p["id"]: p for p in response.json()["products"]}
    assert len(products) == 4
    broken = products[bad.id]
    assert broken["valid"] is False and broken["accountType"] == "school" and broken["interval"] == 1
    assert broken["prices"][0]["problems"] == [
        "billing period is every 3 months but the product's interval is 1 month(s); use month×1"]
    assert broken["problems"] == [f"{broken['prices'][0]['id']}: {broken['prices'][0]['problems'][0]}"]
    pro = next(p for p in products.values() if p["name"] == "1-month Professional Account")
    assert (pro["valid"], pro["accountType"], pro["interval"], pro["problems"]) == (True, "professional", 1, [])
    assert sorted((p["type"], p["period"], p["currency"], p["unitAmount"]) for p in pro["prices"]) == [
        ("one_time", None, "usd", 2900), ("recurring", "monthly", "usd", 2900)]
    assert set(pro["prices"][0]) == {"id", "currency", "unitAmount", "type", "period", "problems", "problemCodes"}


def test_load_failures_are_502_and_keep_the_stored_catalogue(platform):
    web = platform.configure()
    stored = platform.probe("POST", LOAD).json()
    web.post("/admin/stripe/keys", {"stripe_secret_key": "sk_test_not_the_fakes_key_0000"})
    refused = platform.probe("POST", LOAD)
    assert refused.status_code == 502 and refused.json()["error"]["code"] == "stripe_auth_failed"
    assert "sk_test_not_the" not in refused.text
    web.post("/admin/stripe/keys", {"stripe_secret_key": SECRET_KEY})
    config = platform.state.config
    config.base = replace(config.base, stripe_api_base="http://127.0.0.1:9")
    config.stored()
    down = platform.probe("POST", LOAD)
    assert down.status_code == 502 and down.json()["error"]["code"] == "stripe_unavailable"
    page = web.get("/admin/stripe").text
    assert page.count('data-testid="product-row"') == len(stored["products"])


def test_checkout_creates_the_buy_buttons_session(platform):
    platform.configure()
    prices = platform.guide_prices()
    ref = platform.probe("POST", "/accounts", json={"email": "qa@example.com"}).json()["id"]
    for lookup, mode in (("professional_1m_recurring", "subscription"), ("professional_1m_one_time", "payment")):
        response = platform.probe("POST", CHECKOUT, json={"account": ref, "price": prices[lookup]})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["mode"] == mode and body["sessionId"].startswith("cs_test_") and body["url"].startswith("http")
        session = platform.client.v1.checkout.sessions.retrieve(body["sessionId"])
        assert (session.client_reference_id, session.customer_email, session.metadata["accountRef"]) == (
            ref, "qa@example.com", ref)
        assert session.success_url.startswith(platform.base + "/account?checkout=success")


@pytest.mark.parametrize("body, status, code", [
    pytest.param({"account": "nobody", "price": "professional_1m_one_time"}, 404, "unknown_account", id="unknown-account"),
    pytest.param({"account": "qa", "price": "price_not_in_stripe"}, 400, "price_not_offered", id="unknown-price"),
    pytest.param({"account": "qa", "price": "broken"}, 400, "price_not_offered", id="broken-product"),
    pytest.param({"account": "qa"}, 400, "bad_request", id="no-price"),
    pytest.param(["qa"], 400, "bad_request", id="not-an-object"),
])
def test_checkout_refusals(platform, body, status, code):
    bad = platform.client.v1.products.create({"name": "Broken", "metadata": {"accounttype": "school", "interval": "1"}})
    bad_price = platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900})
    platform.configure()
    platform.probe("POST", "/accounts", json={"email": "qa@example.com", "id": "qa"})
    if isinstance(body, dict) and body.get("price") in ("professional_1m_one_time", "broken"):
        body = {**body, "price": bad_price.id if body["price"] == "broken" else platform.guide_prices()[body["price"]]}
    before = len(platform.client.v1.checkout.sessions.list({"limit": 100}).data)
    response = platform.probe("POST", CHECKOUT, json=body)
    assert response.status_code == status and response.json()["error"]["code"] == code, response.text
    if code == "price_not_offered" and body["price"] == bad_price.id:
        assert "'accounttype' must be spelled exactly 'accountType'" in response.json()["error"]["message"]
    assert len(platform.client.v1.checkout.sessions.list({"limit": 100}).data) == before


def test_probe_checkout_refuses_a_second_subscription(platform):
    platform.configure()
    prices = platform.guide_prices()
    assert platform.probe("POST", "/accounts", json={"id": "acct-twice", "email": "twice@example.com"}).status_code == 201
    first = platform.probe("POST", "/checkout", json={"account": "acct-twice", "price": prices["professional_1m_recurring"]})
    assert first.status_code == 201
    session_id = first.json()["sessionId"]
    assert requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{session_id}/complete",
                         headers=sim_auth(SECRET_KEY), timeout=10).status_code == 200
    assert platform.fake.wait_for_deliveries(10)
    second = platform.probe("POST", "/checkout", json={"account": "acct-twice", "price": prices["business_1m_recurring"]})
    assert second.status_code == 409 and second.json()["error"]["code"] == "subscription_exists"
    one_time = platform.probe("POST", "/checkout", json={"account": "acct-twice", "price": prices["business_1m_one_time"]})
    assert one_time.status_code == 201
