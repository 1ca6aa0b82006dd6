"""The pages in Debian's Chromium: one subscription per account, the webhook diagnosis and test event, every
page at phone width without horizontal overflow, and axe-core with no violations.

Skipped when Playwright or /usr/bin/chromium is absent; under CI=true that is a failure instead. Each step
saves a full-page screenshot under the test's tmp_path (`pytest --basetemp=/tmp/shots` keeps them together).
"""

import pytest
import requests

from platform_adapter.delivery_log import MISMATCH_HINT
from platform_adapter.webhooks import WEBHOOK_PATH

from tests.support.required import need
from .support import ADMIN_PASSWORD, PUBLISHABLE_KEY, SECRET_KEY
from .test_browser import offer_button, pay_on_hosted_checkout

pytestmark = pytest.mark.slow  # drives Chromium

WRONG_SECRET = "whsec_wrongSecretValue123"
PHONE, NARROW, LAPTOP, DESKTOP = (375, 740), (320, 640), (1024, 768), (1280, 900)
DELIVERY_WAIT_S = 30  # the fake's webhooks reach the platform in well under a second; generous for a busy machine


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account")


def admin_sign_in(page, base: str) -> None:
    page.goto(base + "/admin/login")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/stripe")


def subscribe_and_pay(page, platform, shots, name: str) -> str:
    """Subscribe to the 1-month Professional and pay on the hosted Checkout; returns the Checkout page's URL."""
    offer_button(page, "1-month Professional Account", "recurring").click()
    page.wait_for_url("**/c/pay/cs_test_*")
    url = page.url
    pay_on_hosted_checkout(page, "4242 4242 4242 4242", shots, name)
    page.wait_for_url("**/account?checkout=success*")
    assert platform.fake.wait_for_deliveries(DELIVERY_WAIT_S)
    return url


def test_a_second_subscription_is_refused_and_switch_plan_offered(platform, new_page, shots):
    platform.configure()
    page = new_page()
    sign_in(page, platform.base, "twice@example.com")
    stale = new_page()  # a second tab opened before the first subscription, still offering Subscribe
    stale.context.add_cookies(page.context.cookies())
    stale.goto(platform.base + "/account")
    paid_url = subscribe_and_pay(page, platform, shots, "01-hosted-checkout")
    # "← Back" on the already paid Checkout returns as paid, not as "cancelled: nothing was charged".
    page.goto(paid_url)
    assert "complete" in page.get_by_test_id("unavailable").inner_text()
    page.get_by_test_id("cancel").click()
    page.wait_for_url("**/account?checkout=success*")
    assert "Thank you!" in page.get_by_test_id("returned").inner_text()
    page.goto(platform.base + "/account")
    assert page.get_by_test_id("auto-renew").inner_text() == "On"
    assert page.get_by_test_id("subscription").count() == 1
    assert page.locator('button[data-kind="recurring"]').first.inner_text() == "Switch plan"
    assert page.get_by_test_id("switch-note").is_visible()
    shots(page, "02-switch-plan-offered")
    offer_button(stale, "1-month Business Account", "recurring").click()
    stale.wait_for_url("**/account")
    assert "already has an auto-renewing subscription" in stale.get_by_test_id("flash").inner_text()
    shots(stale, "03-second-subscription-refused")
    stale.reload()  # post/redirect/get: a reload submits nothing and the message is gone
    assert stale.get_by_test_id("flash").count() == 0
    sessions = platform.client.v1.checkout.sessions.list({"limit": 100}).data
    assert [s.mode for s in sessions].count("subscription") == 1
    page.reload()
    offer_button(page, "1-month Business Account", "recurring").click()
    assert "Plan switched to 1-month Business Account" in page.get_by_test_id("flash").inner_text()
    assert platform.fake.wait_for_deliveries(DELIVERY_WAIT_S)
    page.reload()
    assert page.get_by_test_id("account-type").inner_text() == "business"
    shots(page, "04-plan-switched")
    page.get_by_test_id("stop-renewal").click()
    assert "Auto-renewal stopped" in page.get_by_test_id("flash").inner_text()
    assert page.get_by_test_id("auto-renew").inner_text() == "Off"  # at once, not only after a reload
    assert page.get_by_test_id("stop-renewal").count() == 0
    shots(page, "05-renewal-stopped")


def test_a_wrong_signing_secret_is_diagnosed_and_the_test_event_tells(platform, new_page, shots):
    admin = new_page()
    admin_sign_in(admin, platform.base)
    admin.get_by_label("Publishable key").fill(PUBLISHABLE_KEY)
    admin.get_by_label("Secret key").fill(SECRET_KEY)
    admin.get_by_label("Webhook signing secret").fill(WRONG_SECRET)
    admin.get_by_role("button", name="Save").click()
    assert admin.get_by_test_id("mode").inner_text() == "Test mode"
    admin.get_by_role("button", name="Load products").click()
    assert "3 offered" in admin.get_by_test_id("flash").inner_text()
    customer = new_page()
    sign_in(customer, platform.base, "paid@example.com")
    offer_button(customer, "1-month Professional Account", "one_time").click()
    pay_on_hosted_checkout(customer, "4242 4242 4242 4242", shots, "01-customer-pays")
    customer.wait_for_url("**/account?checkout=success*")
    assert platform.fake.wait_until(lambda: any(r["status"] == 400 for r in platform.fake.deliveries),
                                    DELIVERY_WAIT_S)
    admin.reload()
    # Unverified refusals (Stripe's, or anyone's) are counted only: no red warning a forger could set.
    assert admin.get_by_test_id("diagnosis").count() == 0
    assert "unverified deliveries refused in the last 24 hours" in admin.get_by_test_id("signature-failures").inner_text()
    shots(admin, "02-admin-unverified-count")
    admin.get_by_test_id("send-test-event").click()
    result = admin.locator('[data-testid=test-event][data-state="refused"]')
    result.wait_for()
    assert MISMATCH_HINT in result.inner_text()
    assert MISMATCH_HINT in admin.get_by_test_id("diagnosis").inner_text()  # the test event the admin asked for
    assert admin.locator('[data-testid=delivery][data-outcome="signature_verification_failed"]').count() >= 1
    shots(admin, "03-test-event-refused")
    admin.get_by_label("Webhook signing secret").fill(platform.webhook_secret)
    admin.get_by_role("button", name="Save").click()
    admin.get_by_test_id("send-test-event").click()
    verified = admin.locator('[data-testid=test-event][data-state="verified"]')
    verified.wait_for()
    assert "signature verified" in verified.inner_text()
    assert admin.get_by_test_id("diagnosis").count() == 0  # the verified test event proves the secret right
    assert admin.locator('[data-testid=delivery][data-outcome="test_event"]').count() >= 1
    shots(admin, "04-test-event-verified")
    for secret in (WRONG_SECRET, platform.webhook_secret, SECRET_KEY):
        assert secret not in admin.content()


def _submit_with_a_stale_token(page, base: str) -> None:
    """The sign-in form posted with a token the session never issued: the site's 'Form expired' page."""
    page.goto(base + "/account/login")
    page.locator("input[name=csrf_token]").evaluate("input => { input.value = 'stale'; }")
    page.get_by_label("E-mail address").fill("late@example.com")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("error").wait_for()


def _save_keys(page, base: str, publishable: str, secret: str, webhook: str = "") -> None:
    page.goto(base + "/admin/stripe")
    page.get_by_label("Publishable key").fill(publishable)
    page.get_by_label("Secret key").fill(secret)
    page.get_by_label("Webhook signing secret").fill(webhook)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/stripe")


def _pay_declined(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Card information").fill("4000 0000 0000 0002")
    page.get_by_test_id("pay").click()
    page.get_by_test_id("error").wait_for()


def _sign_in_wrongly(page, base: str) -> None:
    page.goto(base + "/account/login")
    page.get_by_label("E-mail address").fill("a.rather.long.name.without.a.domain@localhost")  # the browser takes it
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("error").wait_for()


def _pages(platform, new_page, shots):
    """Every page of the platform and of the fake's hosted Checkout, each in the states a person meets it in.

    Each entry is (name, page, how to open it): a URL, or a function that gets the page there by clicking.
    """
    bad = platform.client.v1.products.create({"name": "Classroom with a very long broken name to wrap",
                                               "metadata": {"AccountType": "classroom", "interval": "one"}})
    platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900})
    platform.configure()
    requests.post(platform.base + WEBHOOK_PATH, data=b'{"id": "evt_unsigned_but_long_enough_to_wrap"}', timeout=10)
    customer = new_page()
    email = "a.rather.long.address.for.a.phone@example-company-name.com"
    sign_in(customer, platform.base, email)
    paid_url = subscribe_and_pay(customer, platform, shots, "00-subscribe")
    # Two more subscriptions made elsewhere (the API) for the same account: every one is listed.
    first = platform.client.v1.checkout.sessions.retrieve(paid_url.rsplit("/", 1)[-1]).subscription
    stripe_customer = platform.client.v1.subscriptions.retrieve(first).customer
    ref = platform.account(email).ref
    prices = platform.guide_prices()
    for price in (prices["business_1m_recurring"], prices["professional_12m_recurring"]):
        platform.client.v1.subscriptions.create({"customer": stripe_customer, "items": [{"price": price}],
                                                 "metadata": {"accountRef": ref}})
    assert platform.fake.wait_for_deliveries(DELIVERY_WAIT_S)
    admin = new_page()
    admin_sign_in(admin, platform.base)
    offer_button(customer, "1-month Professional Account", "one_time").click()
    customer.wait_for_url("**/c/pay/cs_test_*")
    open_url = customer.url
    base = platform.base
    return [("home", customer, base + "/"),
            ("account-login", new_page(), base + "/account/login"),
            ("account-login-error", new_page(), lambda page: _sign_in_wrongly(page, base)),
            ("account", customer, base + "/account"),
            ("account-returned", customer, base + "/account?checkout=cancelled"),
            ("hosted-checkout", customer, open_url),
            ("hosted-checkout-declined", customer, lambda page: _pay_declined(page, open_url)),
            ("hosted-checkout-paid", customer, paid_url),
            ("hosted-checkout-unknown", customer, platform.stripe_base + "/c/pay/cs_test_no_such_session"),
            ("admin-login", new_page(), base + "/admin/login"),
            ("admin-stripe", admin, base + "/admin/stripe"),
            ("admin-key-errors", admin, lambda page: _save_keys(page, base, "pk_live_mismatch",
                                                                "sk_test_mixed_with_live", "signing-secret")),
            ("not-found", admin, base + "/no-such-page"),
            ("form-expired", new_page(), lambda page: _submit_with_a_stale_token(page, base)),
            # Last: live keys in force (a badge and a warning); nothing after this talks to Stripe.
            ("admin-live", admin, lambda page: _save_keys(page, base, "pk_live_0123456789abcdef",
                                                          "sk_live_0123456789abcdef"))]


def _open(page, how) -> None:
    if callable(how):
        how(page)
    else:
        page.goto(how)
    page.wait_for_load_state("load")


def test_every_page_fits_a_phone(platform, new_page, shots):
    for name, page, url in _pages(platform, new_page, shots):
        for width, height in (PHONE, NARROW, LAPTOP, DESKTOP):
            page.set_viewport_size({"width": width, "height": height})
            _open(page, url)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            shots(page, f"{name}-{width}")
            assert scroll <= inner, f"{name} at {width} px: scrollWidth {scroll} > innerWidth {inner}"
            if width >= LAPTOP[0]:
                # Nothing sticks out of its card either (the 22 px at 1280 px).
                out = page.evaluate("""() => [...document.querySelectorAll('.card, section')].filter(
                    c => c.scrollWidth > c.clientWidth + 1 && getComputedStyle(c).overflowX !== 'auto').length""")
                assert out == 0, f"{name}: {out} card(s) overflow at {width} px"


def test_axe_finds_no_violations(platform, new_page, shots):
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        Axe = None
    need(Axe is not None, "axe-playwright-python is not installed (pip install '.[test]')")
    axe = Axe()
    for name, page, url in _pages(platform, new_page, shots):
        for width, height in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": height})
            _open(page, url)
            results = axe.run(page)
            assert results.violations_count == 0, f"{name} at {width} px:\n{results.generate_report()}"
