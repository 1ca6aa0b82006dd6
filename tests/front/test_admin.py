"""Platform settings → Stripe configuration over HTTP: sign-in, CSRF, key validation, masking, the loader."""

from dataclasses import replace

import pytest

from platform_adapter import create_app
from platform_adapter.config import STORED_KEYS, Settings
from platform_adapter.keys import mask

from .support import ADMIN_PASSWORD, PUBLISHABLE_KEY, SECRET_KEY


def test_admin_pages_need_the_password_and_a_session(platform):
    web = platform.web()
    assert web.get("/admin/stripe").url.endswith("/admin/login")
    signed_out = web.post("/admin/stripe/keys", {"stripe_secret_key": SECRET_KEY})
    assert signed_out.history[0].status_code == 303 and signed_out.url.endswith("/admin/login")
    assert "sign in again" in signed_out.text and "stripe_secret_key" not in platform.state.config.stored()
    refused = web.admin_login("not-the-password")
    assert refused.history[0].status_code == 303 and "Wrong password." in refused.text
    assert "Wrong password." not in web.get("/admin/login").text  # shown once, not on every reload
    assert web.admin_login().url.endswith("/admin/stripe")
    assert "Not set." in web.get("/admin/stripe").text


def test_every_form_needs_the_csrf_token(platform):
    web = platform.web()
    web.admin_login()
    for token in ("", "forged-token"):
        response = web.post("/admin/stripe/keys", {"csrf_token": token, "stripe_publishable_key": PUBLISHABLE_KEY,
                                                   "stripe_secret_key": SECRET_KEY, "webhook_secret": "whsec_abc"})
        assert response.status_code == 400 and "form expired" in response.text.lower()
    assert not set(STORED_KEYS) & set(platform.state.config.stored())
    login = platform.web()
    login.get("/admin/login")
    assert login.post("/admin/login", {"password": ADMIN_PASSWORD}, csrf=False).status_code == 400


@pytest.mark.parametrize("form, field, message", [
    pytest.param({"stripe_publishable_key": "sk_test_abc"}, "stripe_publishable_key",
                 "must start with pk_test_… or pk_live_… (this looks like a secret key)", id="secret-in-publishable"),
    pytest.param({"stripe_secret_key": "pk_test_abc"}, "stripe_secret_key",
                 "must start with sk_test_… or sk_live_… or rk_test_… or rk_live_…", id="publishable-as-secret"),
    pytest.param({"webhook_secret": "sk_test_abc"}, "webhook_secret", "must start with whsec_…", id="bad-webhook"),
    pytest.param({"stripe_secret_key": "sk_test_"}, "stripe_secret_key", "nothing follows sk_test_", id="empty-body"),
    pytest.param({"stripe_secret_key": "sk_test_ab cd"}, "stripe_secret_key", "contains spaces", id="space"),
    pytest.param({"stripe_secret_key": ""}, "stripe_secret_key", "Secret key is required", id="missing"),
    pytest.param({"stripe_publishable_key": "pk_live_abcdef"}, "stripe_secret_key", "test and live keys mixed",
                 id="mixed-modes"),
])
def test_wrong_keys_are_refused_with_a_specific_message_and_nothing_saved(platform, form, field, message):
    web = platform.web()
    web.admin_login()
    full = {"stripe_publishable_key": PUBLISHABLE_KEY, "stripe_secret_key": SECRET_KEY,
            "webhook_secret": platform.webhook_secret, **form}
    response = web.post("/admin/stripe/keys", full)
    assert response.status_code == 400
    assert f'data-testid="{field}-error">' in response.text and message in response.text
    assert "Nothing was saved" in response.text
    assert not set(STORED_KEYS) & set(platform.state.config.stored())
    for secret in (SECRET_KEY, platform.webhook_secret, "sk_test_abc"):
        assert secret not in response.text


def test_saved_secrets_are_masked_and_kept_when_left_empty(platform):
    web = platform.configure()
    page = web.get("/admin/stripe").text
    assert mask(SECRET_KEY) in page and mask(SECRET_KEY) == "sk_test_…4242"
    assert SECRET_KEY not in page and platform.webhook_secret not in page
    assert PUBLISHABLE_KEY in page  # publishable keys are public
    # Change only the publishable key: the secrets stay as saved.
    saved = web.post("/admin/stripe/keys", {"stripe_publishable_key": "pk_test_other_7777",
                                            "stripe_secret_key": "", "webhook_secret": ""})
    assert saved.status_code == 200
    settings = platform.state.settings
    assert (settings.stripe_publishable_key, settings.stripe_secret_key, settings.webhook_secret) == (
        "pk_test_other_7777", SECRET_KEY, platform.webhook_secret)
    # A live publishable key next to the saved test secret key is refused.
    mixed = web.post("/admin/stripe/keys", {"stripe_publishable_key": "pk_live_abcdefgh"})
    assert mixed.status_code == 400 and "test and live keys mixed" in mixed.text


def test_load_products_shows_each_product_and_flags_the_broken_one(platform):
    bad = platform.client.v1.products.create({"name": "Broken Classroom",
                                               "metadata": {"AccountType": "classroom", "interval": "1"}})
    platform.client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900,
                                      "recurring": {"interval": "year"}})
    web = platform.configure()
    page = web.get("/admin/stripe").text
    assert page.count('data-testid="product-row"') == 4
    row = page.split(f'data-product-id="{bad.id}"', 1)[1].split("</tr>", 1)[0]
    assert "❌" in row and "&#39;AccountType&#39; must be spelled exactly &#39;accountType&#39;" in row
    assert page.count("✅") == 3 and "USD 29.00" in page and "also EUR 27.00" in page and "VAT 7.7 %" in page


def test_bad_metadata_values_are_shown_as_written(platform):
    made = {}
    for name, metadata in (("Wrong values", {"accountType": "Classroom", "interval": "one"}),
                           ("Wrong key case", {"AccountType": "webinar", "Interval": "0"}),
                           ("No metadata", {})):
        made[name] = platform.client.v1.products.create({"name": name, "metadata": metadata}).id
        platform.client.v1.prices.create({"product": made[name], "currency": "usd", "unit_amount": 900})
    page = platform.configure().get("/admin/stripe").text

    def cells(name):
        row = page.split(f'data-product-id="{made[name]}"', 1)[1].split("</tr>", 1)[0]
        return [" ".join(row.split(f'data-testid="{cell}">', 1)[1].split("</td>", 1)[0].split())
                for cell in ("account-type", "interval")]
    assert cells("Wrong values") == ['<span class="bad">❌ <code>Classroom</code></span>',
                                     '<span class="bad">❌ <code>one</code></span>']
    assert cells("Wrong key case") == ['<span class="bad">❌ <code>webinar</code></span>',
                                       '<span class="bad">❌ <code>0</code></span>']
    assert cells("No metadata") == ['<span class="bad">❌ missing</span>', '<span class="bad">❌ missing</span>']


def test_unreachable_stripe_or_refused_key_is_a_message_and_overwrites_nothing(platform):
    web = platform.configure()
    before = web.get("/admin/stripe").text.count('data-testid="product-row"')
    web.post("/admin/stripe/keys", {"stripe_secret_key": "sk_test_refused_by_the_fake_9999"})
    refused = web.post("/admin/stripe/products")
    assert refused.history[0].status_code == 303 and refused.url.endswith("/admin/stripe")  # post/redirect/get
    assert "Stripe refused the secret key sk_test_…9999 (401)" in refused.text
    assert refused.text.count('data-testid="product-row"') == before
    web.post("/admin/stripe/keys", {"stripe_secret_key": SECRET_KEY})
    platform.fake.close()
    config = platform.state.config
    config.base = replace(config.base, stripe_api_base="http://127.0.0.1:9")  # as if Stripe went away
    config.stored()
    down = web.post("/admin/stripe/products")
    assert "cannot reach Stripe at http://127.0.0.1:9" in down.text
    assert down.text.count('data-testid="product-row"') == before


def test_admin_pages_are_off_without_a_password(tmp_path):
    app = create_app(Settings(stripe_secret_key=SECRET_KEY, webhook_secret="whsec_x", data_dir=str(tmp_path)))
    response = app.test_client().get("/admin/stripe")
    assert response.status_code == 404 and b"SIMPLEX_ADMIN_PASSWORD" in response.data
    app.extensions["platform_adapter"].store.close()
