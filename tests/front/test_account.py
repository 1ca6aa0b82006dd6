"""Account Settings over HTTP: sign-in, the offers, Buy -> Checkout Session -> webhook -> new state, stop renewal."""

import html
import re
from dataclasses import replace

import requests

from .support import FOUR, SECRET_KEY
from tests.support.sim import sim_auth


def buy(platform, web, price: str, currency: str = "usd") -> str:
    """Press Buy; returns the Checkout Session id the platform redirected to."""
    response = web.post("/account/checkout", {"price": price, "currency": currency}, allow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["Location"].startswith(platform.stripe_base + "/c/pay/cs_test_")
    return response.headers["Location"].rsplit("/", 1)[1]


def test_sign_in_opens_the_account_and_lists_the_offers(platform):
    platform.configure()
    web = platform.web()
    assert web.get("/account").url.endswith("/account/login")
    refused = web.customer_login("not-an-email")
    assert refused.history[0].status_code == 303 and refused.url.endswith("/account/login")
    assert "Enter an e-mail address" in refused.text and 'value="not-an-email"' in refused.text
    page = web.customer_login("ann@example.com").text
    assert platform.account("ann@example.com") is not None
    assert re.search(r'data-testid="account-type">none yet<', page) and 'data-testid="active">Inactive<' in page
    assert page.count('data-testid="offer-row"') == 9  # 3 products x USD, EUR, CHF
    assert page.count('data-kind="one_time"') == 9 and page.count('data-kind="recurring"') == 9
    assert "VAT 7.7 % is added to the price" in page and "USD 29.00" in page and "CHF 26.00" in page


def test_buy_recurring_creates_the_guide_session_and_the_webhook_updates_the_page(platform):
    platform.configure()
    prices = platform.guide_prices()
    web = platform.web()
    web.customer_login("bob@example.com")
    ref = platform.account("bob@example.com").ref
    session_id = buy(platform, web, prices["professional_1m_recurring"])
    session = platform.client.v1.checkout.sessions.retrieve(session_id, {"expand": ["line_items"]})
    assert (session.mode, session.client_reference_id, session.customer_email) == ("subscription", ref, "bob@example.com")
    assert session.metadata["accountRef"] == ref and session.currency == "usd"
    assert session.success_url.startswith(platform.base + "/account?checkout=success")
    assert session.cancel_url == platform.base + "/account?checkout=cancelled"
    vat = platform.client.v1.tax_rates.list({"active": True}).data[0].id
    assert [t.rate.id for t in session.line_items.data[0].taxes] == [vat]
    assert session.amount_total == 3123  # 29.00 + 7.7 % exclusive VAT
    paid = requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{session_id}/complete",
                         headers=sim_auth(SECRET_KEY), timeout=10)
    assert paid.status_code == 200
    assert platform.fake.wait_for_deliveries(10)
    subscription = platform.client.v1.subscriptions.retrieve(paid.json()["subscription"])
    assert subscription.metadata["accountRef"] == ref
    page = web.get("/account?checkout=success").text
    assert "Thank you!" in page and 'data-testid="account-type">professional<' in page
    assert 'data-testid="active">Active<' in page and 'data-testid="auto-renew">On<' in page
    stopped = web.post("/account/auto-renewal/stop", allow_redirects=False)
    assert stopped.status_code == 303 and stopped.headers["Location"].endswith("/account")
    page = web.get("/account").text
    # Whether or not Stripe's confirmation has arrived yet, the page shows what the customer did.
    assert "Auto-renewal stopped" in page and 'data-testid="auto-renew">Off<' in page
    assert 'data-testid="stop-renewal"' not in page
    assert platform.client.v1.subscriptions.retrieve(subscription.id).cancel_at_period_end is True
    assert platform.fake.wait_for_deliveries(10)
    page = web.get("/account").text
    assert 'data-testid="auto-renew">Off<' in page and 'data-testid="active">Active<' in page
    assert 'data-testid="stop-renewal"' not in page
    again = web.post("/account/auto-renewal/stop")
    assert again.history[0].status_code == 303 and "no auto-renewing subscription" in again.text


def test_buy_one_time_in_euro(platform):
    platform.configure()
    web = platform.web()
    web.customer_login("eve@example.com")
    session_id = buy(platform, web, platform.guide_prices()["business_1m_one_time"], "eur")
    session = platform.client.v1.checkout.sessions.retrieve(session_id)
    assert (session.mode, session.currency, session.amount_subtotal) == ("payment", "eur", 4600)
    ref = platform.account("eve@example.com").ref
    assert requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{session_id}/complete",
                         headers=sim_auth(SECRET_KEY), timeout=10).status_code == 200
    assert platform.fake.wait_for_deliveries(10)
    intent = platform.client.v1.payment_intents.retrieve(
        platform.client.v1.checkout.sessions.retrieve(session_id).payment_intent)
    assert intent.metadata["accountRef"] == ref
    page = web.get("/account").text
    assert 'data-testid="account-type">business<' in page and 'data-testid="auto-renew">Off<' in page


def test_a_price_not_offered_is_refused_and_creates_nothing(platform):
    bad = platform.client.v1.products.create({"name": "Broken", "metadata": {"accountType": "Professional",
                                                                             "interval": "3"}})
    bad_price = platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 100})
    platform.configure()
    web = platform.web()
    web.customer_login("zoe@example.com")
    before = len(platform.client.v1.checkout.sessions.list({"limit": 100}).data)
    for price, currency, reason in ((bad_price.id, "usd", "values are case-sensitive: use 'professional'"),
                                    ("price_nope", "usd", "not a price of any loaded product"),
                                    (platform.guide_prices()["professional_1m_one_time"], "gbp",
                                     "cannot be paid in GBP; it is offered in USD, CHF, EUR")):
        response = web.post("/account/checkout", {"price": price, "currency": currency}, allow_redirects=False)
        assert response.status_code == 303 and response.headers["Location"].endswith("/account"), response.text
        assert reason in html.unescape(web.get("/account").text)
    assert len(platform.client.v1.checkout.sessions.list({"limit": 100}).data) == before


def test_an_account_sees_only_itself(platform):
    platform.configure()
    ann, bob = platform.web(), platform.web()
    ann.customer_login("ann@example.com")
    bob.customer_login("bob@example.com")
    assert "bob@example.com" in bob.get("/account").text and "ann@example.com" not in bob.get("/account").text
    again = platform.web()
    again.customer_login("ANN@example.com")
    assert platform.account("ann@example.com").ref == platform.account("ANN@example.com").ref
    assert bob.post("/account/logout").url.endswith("/account/login")
    assert bob.get("/account").url.endswith("/account/login")


def test_handled_event_list_is_the_guides(platform):
    assert platform.client.v1.webhook_endpoints.list().data[0].enabled_events == FOUR


def test_stripe_trouble_at_checkout_is_a_plain_message_for_the_customer(platform, caplog):
    admin = platform.configure()
    web = platform.web()
    web.customer_login("kim@example.com")
    price = platform.guide_prices()["professional_1m_one_time"]
    admin.post("/admin/stripe/keys", {"stripe_secret_key": "sk_test_revoked_key_3333"})
    refused = web.post("/account/checkout", {"price": price, "currency": "usd"})
    assert refused.history[0].status_code == 303 and "payments are not set up correctly" in refused.text
    assert "sk_test_" not in refused.text and "Stripe refused the secret key sk_test_…3333" in caplog.text
    admin.post("/admin/stripe/keys", {"stripe_secret_key": SECRET_KEY})
    config = platform.state.config
    config.base = replace(config.base, stripe_api_base="http://127.0.0.1:9")
    config.stored()
    down = web.post("/account/checkout", {"price": price, "currency": "usd"})
    assert "Stripe cannot be reached" in down.text and "127.0.0.1:9" not in down.text


def test_nothing_is_offered_before_the_products_are_loaded(platform):
    web = platform.web()
    page = web.customer_login("first@example.com").text
    assert 'data-testid="no-offers"' in page and 'data-testid="buy"' not in page
    refused = web.post("/account/checkout", {"price": platform.guide_prices()["professional_1m_one_time"]})
    assert refused.history[0].status_code == 303 and "not a price of any loaded product" in refused.text


def subscribe(platform, web, price: str, currency: str = "usd") -> str:
    """Subscribe through Checkout and pay; returns the subscription id once the webhooks are in."""
    session_id = buy(platform, web, price, currency)
    paid = requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{session_id}/complete",
                         headers=sim_auth(SECRET_KEY), timeout=10)
    assert paid.status_code == 200 and platform.fake.wait_for_deliveries(10)
    return paid.json()["subscription"]


def test_one_subscription_per_account_and_switch_plan_instead(platform):
    platform.configure()
    prices = platform.guide_prices()
    web = platform.web()
    web.customer_login("one@example.com")
    sub = subscribe(platform, web, prices["professional_1m_recurring"])
    page = web.get("/account").text
    assert 'data-testid="switch"' in page and 'data-testid="buy" data-price="%s"' % prices["business_1m_recurring"] \
        not in page and "Switch plan" in page and 'data-testid="switch-note"' in page
    # Only prices in the subscription's currency (USD) can replace its plan.
    assert page.count('data-testid="switch"') == 3 and page.count('data-testid="other-currency"') == 6
    before = len(platform.client.v1.checkout.sessions.list({"limit": 100}).data)
    refused = web.post("/account/checkout", {"price": prices["business_1m_recurring"], "currency": "usd"},
                       allow_redirects=False)
    assert refused.status_code == 303
    assert f"already has an auto-renewing subscription ({sub})" in web.get("/account").text
    assert len(platform.client.v1.checkout.sessions.list({"limit": 100}).data) == before
    # One-time top-ups stay possible.
    assert buy(platform, web, prices["business_1m_one_time"]).startswith("cs_test_")
    switched = web.post("/account/subscription/switch", {"subscription": sub, "price": prices["business_1m_recurring"]})
    assert "Plan switched to 1-month Business Account" in switched.text
    stripe_sub = platform.client.v1.subscriptions.retrieve(sub)
    assert stripe_sub["items"].data[0].price.id == prices["business_1m_recurring"]
    # Prorated, as the guide's plan change: the unused Professional time credited, the Business time charged.
    prorations = [item for item in platform.client.v1.invoice_items.list({"customer": stripe_sub.customer}).data
                  if item.proration]
    assert sorted(item.amount > 0 for item in prorations) == [False, True], prorations
    assert platform.fake.wait_for_deliveries(10)
    page = web.get("/account").text
    assert 'data-testid="account-type">business<' in page
    same = web.post("/account/subscription/switch", {"subscription": sub, "price": prices["business_1m_recurring"]})
    assert "on this plan already" in same.text
    other = web.post("/account/subscription/switch", {"subscription": "sub_not_mine",
                                                      "price": prices["professional_1m_recurring"]})
    assert "no such auto-renewing subscription" in other.text
    one_time = web.post("/account/subscription/switch", {"subscription": sub, "price": prices["business_1m_one_time"]})
    assert "is a one-time price" in one_time.text
    assert platform.client.v1.subscriptions.retrieve(sub)["items"].data[0].price.id == prices["business_1m_recurring"]


def test_subscriptions_made_elsewhere_are_all_shown_and_all_stopped(platform):
    platform.configure()
    prices = platform.guide_prices()
    web = platform.web()
    web.customer_login("many@example.com")
    ref = platform.account("many@example.com").ref
    first = subscribe(platform, web, prices["professional_1m_recurring"])
    customer = platform.client.v1.subscriptions.retrieve(first).customer
    made = []
    for price in (prices["business_1m_recurring"], prices["professional_12m_recurring"]):
        made.append(platform.client.v1.subscriptions.create({
            "customer": customer, "items": [{"price": price}], "metadata": {"accountRef": ref}}).id)
    assert platform.fake.wait_for_deliveries(10)
    page = web.get("/account").text
    for sub in (first, *made):
        assert f'data-subscription-id="{sub}"' in page
    assert "Stop auto-renewal of all 3 subscriptions" in page
    web.post("/account/auto-renewal/stop")
    for sub in (first, *made):
        assert platform.client.v1.subscriptions.retrieve(sub).cancel_at_period_end is True
    assert platform.fake.wait_for_deliveries(10)
    page = web.get("/account").text
    assert 'data-testid="auto-renew">Off<' in page and page.count('data-testid="subscription-renews">Off<') == 3
    # The case: once the clock passes every period end, nothing renews and the page still says Off.
    for days in (40, 360):  # a clock move is bounded by two intervals of the shortest live subscription
        requests.post(f"{platform.stripe_base}/_sim/clock/advance", data={"seconds": days * 86400},
                      headers=sim_auth(SECRET_KEY), timeout=20).raise_for_status()
    assert platform.fake.wait_for_deliveries(10)
    invoices = platform.client.v1.invoices.list({"limit": 100}).data
    assert [i.id for i in invoices if i.billing_reason == "subscription_cycle"] == []
    assert {platform.client.v1.subscriptions.retrieve(sub).status for sub in (first, *made)} == {"canceled"}
    page = web.get("/account").text
    assert 'data-testid="auto-renew">Off<' in page and page.count('data-testid="subscription-renews">Ended ') == 3
    assert 'data-testid="stop-renewal"' not in page


def test_two_subscribe_clicks_leave_one_payable_checkout_and_a_paid_one_counts_before_its_webhooks(platform):
    admin = platform.configure()
    prices = platform.guide_prices()
    web = platform.web()
    web.customer_login("tabs@example.com")
    first = buy(platform, web, prices["professional_1m_recurring"])
    second = buy(platform, web, prices["business_1m_recurring"])  # another tab, before the first was paid
    assert platform.client.v1.checkout.sessions.retrieve(first).status == "expired"  # no longer payable
    assert platform.client.v1.checkout.sessions.retrieve(second).status == "open"
    # The second is paid while the platform cannot verify Stripe's webhooks: the account has not learned it yet ...
    admin.post("/admin/stripe/keys", {"webhook_secret": "whsec_wrongSecretValue123"})
    paid = requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{second}/complete",
                         headers=sim_auth(SECRET_KEY), timeout=10)
    assert paid.status_code == 200
    assert platform.fake.wait_until(lambda: any(r["status"] == 400 for r in platform.fake.deliveries), 10)
    assert 'data-testid="auto-renew">Off<' in web.get("/account").text
    # ... and still a third subscription Checkout is refused: the paid session names its subscription.
    before = len(platform.client.v1.checkout.sessions.list({"limit": 100}).data)
    page = web.post("/account/checkout", {"price": prices["professional_1m_recurring"], "currency": "usd"}).text
    assert f"already has an auto-renewing subscription ({paid.json()['subscription']})" in page
    assert len(platform.client.v1.checkout.sessions.list({"limit": 100}).data) == before
    assert buy(platform, web, prices["business_1m_one_time"]).startswith("cs_test_")  # one-time stays possible


def test_an_earlier_checkout_stripe_no_longer_knows_is_no_obstacle(platform):
    from platform_adapter.checkout import settle_earlier_checkout

    platform.configure()
    platform.web().customer_login("gone@example.com")
    account = platform.account("gone@example.com")
    assert settle_earlier_checkout(platform.state, account, "cs_test_no_longer_at_stripe") is None


def test_stripe_failing_one_of_several_stops_says_so_and_keeps_the_others_stopped(platform):
    from platform_adapter.checkout import account_subscriptions

    admin = platform.configure()
    prices = platform.guide_prices()
    web = platform.web()
    web.customer_login("partly@example.com")
    row = platform.account("partly@example.com")
    first = subscribe(platform, web, prices["professional_1m_recurring"])
    customer = platform.client.v1.subscriptions.retrieve(first).customer
    platform.client.v1.subscriptions.create({"customer": customer, "items": [{"price": prices["business_1m_recurring"]}],
                                             "metadata": {"accountRef": row.ref}})
    assert platform.fake.wait_for_deliveries(10)
    order = [view.id for view in account_subscriptions(platform.state, row) if view.renews]
    assert len(order) == 2
    # The later one is cancelled at Stripe while the platform cannot verify webhooks: it still shows as renewing.
    admin.post("/admin/stripe/keys", {"webhook_secret": "whsec_wrongSecretValue123"})
    platform.client.v1.subscriptions.cancel(order[1])
    page = " ".join(web.post("/account/auto-renewal/stop").text.split())
    assert "Auto-renewal stopped for 1 subscription(s) only." in page and "Nothing was charged" in page
    assert platform.client.v1.subscriptions.retrieve(order[0]).cancel_at_period_end is True
    assert f'data-subscription-id="{order[0]}"' in page
    assert page.split(f'data-subscription-id="{order[0]}"', 1)[1].split("</tr>", 1)[0].count("Off (stopping)") == 1
