"""The guide end to end in Debian's Chromium (Playwright): admin configuration, Buy, the fake's hosted Checkout.

Skipped when Playwright or /usr/bin/chromium is absent; under CI=true that is a failure instead.
Each step saves a screenshot under the test's tmp_path.
"""

import pytest

from .support import PUBLISHABLE_KEY, SECRET_KEY

pytestmark = pytest.mark.slow  # drives Chromium


def test_admin_signs_in_saves_keys_and_sees_a_broken_product_flagged(platform, new_page, shots):
    bad = platform.client.v1.products.create({"name": "Classroom (broken)",
                                               "metadata": {"AccountType": "classroom", "interval": "1"}})
    platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900})
    page = new_page()
    page.goto(platform.base + "/admin/stripe")
    assert page.url.endswith("/admin/login")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_test_id("error").inner_text() == "Wrong password."
    page.get_by_label("Password").fill(platform.state.settings.admin_password)
    page.get_by_role("button", name="Sign in").click()
    shots(page, "01-admin-empty")
    page.get_by_label("Publishable key").fill("pk_live_mismatch")
    page.get_by_label("Secret key").fill("pk_test_wrong_field")
    page.get_by_label("Webhook signing secret").fill("signing-secret")
    page.get_by_role("button", name="Save").click()
    assert "must start with sk_test_… or sk_live_…" in page.get_by_test_id("stripe_secret_key-error").inner_text()
    assert "must start with whsec_…" in page.get_by_test_id("webhook_secret-error").inner_text()
    assert page.get_by_label("Secret key").get_attribute("aria-invalid") == "true"
    shots(page, "02-admin-validation-errors")
    page.get_by_label("Publishable key").fill(PUBLISHABLE_KEY)
    page.get_by_label("Secret key").fill(SECRET_KEY)
    page.get_by_label("Webhook signing secret").fill(platform.webhook_secret)
    page.get_by_role("button", name="Save").click()
    assert "Saved." in page.get_by_test_id("flash").inner_text()
    assert page.get_by_test_id("stripe_secret_key-state").inner_text().startswith("Current: sk_test_…4242")
    assert page.get_by_label("Secret key").input_value() == ""
    page.get_by_role("button", name="Load products").click()
    assert "4 product(s): 3 offered" in page.get_by_test_id("flash").inner_text()
    broken = page.locator(f'[data-product-id="{bad.id}"] [data-testid=verdict]')
    assert "'AccountType' must be spelled exactly 'accountType'" in broken.inner_text()
    assert page.locator("[data-testid=product-row].ok").count() == 3
    shots(page, "03-admin-products-loaded")
    assert SECRET_KEY not in page.content() and platform.webhook_secret not in page.content()


def pay_on_hosted_checkout(page, card: str, shots, name: str) -> None:
    page.wait_for_url("**/c/pay/cs_test_*")
    shots(page, name)
    # The button names the amount due (Stripe's "Pay $31.23"/"Subscribe $31.23"), the total shown beside it.
    total = page.get_by_test_id("total").inner_text()
    assert page.get_by_test_id("pay").inner_text() in (f"Pay {total}", f"Subscribe {total}")
    page.get_by_label("Card information").fill(card)
    page.get_by_label("Cardholder name").fill("Jane Customer")
    page.get_by_test_id("pay").click()


def offer_button(page, product: str, kind: str, currency: str = "usd"):
    row = page.locator(f'tr[data-testid=offer-row][data-currency="{currency}"]').filter(has=page.locator(
        f'button[aria-label*="{product}"]'))
    return row.locator(f'button[data-kind="{kind}"]')


def test_customer_buys_one_time_then_recurring_and_sees_the_account_updated(platform, new_page, shots):
    platform.configure()
    page = new_page()
    page.goto(platform.base + "/account")
    page.get_by_label("E-mail address").fill("jane@example.com")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_test_id("account-type").inner_text() == "none yet"
    assert "VAT 7.7 % is added" in page.get_by_test_id("tax-note").inner_text()
    shots(page, "01-account-before")
    offer_button(page, "1-month Professional Account", "one_time").click()
    page.wait_for_url("**/c/pay/cs_test_*")
    # The e-mail address is the merchant's (customer_email): read-only, and it looks it.
    email = page.get_by_label("Email")
    assert email.input_value() == "jane@example.com" and email.get_attribute("readonly") is not None
    look = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderStyle]"
    assert email.evaluate(look) != page.get_by_label("Card information").evaluate(look)
    assert page.get_by_test_id("email-fixed").is_visible()
    pay_on_hosted_checkout(page, "4242 4242 4242 4242", shots, "02-hosted-checkout-one-time")
    page.wait_for_url("**/account?checkout=success*")
    assert "Thank you!" in page.get_by_test_id("returned").inner_text()
    assert platform.fake.wait_for_deliveries(30)
    page.goto(platform.base + "/account")
    assert page.get_by_test_id("account-type").inner_text() == "professional"
    assert page.get_by_test_id("active").inner_text() == "Active"
    assert page.get_by_test_id("auto-renew").inner_text() == "Off"
    shots(page, "03-account-after-one-time")
    offer_button(page, "1-month Professional Account", "recurring").click()
    pay_on_hosted_checkout(page, "4242 4242 4242 4242", shots, "04-hosted-checkout-subscription")
    page.wait_for_url("**/account?checkout=success*")
    assert platform.fake.wait_for_deliveries(30)
    page.goto(platform.base + "/account")
    assert page.get_by_test_id("auto-renew").inner_text() == "On"
    assert page.get_by_test_id("active").inner_text() == "Active"
    shots(page, "05-account-after-subscription")
    page.get_by_test_id("stop-renewal").click()
    assert "Auto-renewal stopped" in page.get_by_test_id("flash").inner_text()
    assert platform.fake.wait_for_deliveries(30)
    page.goto(platform.base + "/account")
    assert page.get_by_test_id("auto-renew").inner_text() == "Off"
    shots(page, "06-account-renewal-stopped")


def test_a_declined_card_shows_the_error_and_changes_nothing(platform, new_page, shots):
    platform.configure()
    page = new_page()
    page.goto(platform.base + "/account/login")
    page.get_by_label("E-mail address").fill("declined@example.com")
    page.get_by_role("button", name="Sign in").click()
    offer_button(page, "1-month Professional Account", "recurring", "eur").click()
    pay_on_hosted_checkout(page, "4000 0000 0000 0002", shots, "01-hosted-checkout")
    error = page.get_by_test_id("error")
    assert "declined" in error.inner_text().lower()
    shots(page, "02-card-declined")
    page.get_by_test_id("cancel").click()
    page.wait_for_url("**/account?checkout=cancelled")
    assert "nothing was charged" in page.get_by_test_id("returned").inner_text()
    assert platform.fake.wait_for_deliveries(30)
    page.reload()
    assert page.get_by_test_id("account-type").inner_text() == "none yet"
    assert page.get_by_test_id("active").inner_text() == "Inactive"
    shots(page, "03-account-unchanged")
    row = platform.account("declined@example.com")
    assert (row.account_type, row.paid_until) == (None, None)
