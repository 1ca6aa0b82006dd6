"""Key rules, masking, Settings from the saved configuration, and what every worker sees after a save."""

import logging
from dataclasses import replace

import pytest

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError
from platform_adapter.keys import check_keys, mask, mode_of
from platform_adapter.web import public_url

GOOD = {"stripe_publishable_key": "pk_test_abc", "stripe_secret_key": "sk_test_abc", "webhook_secret": "whsec_abc"}


@pytest.mark.parametrize("key, shown", [
    ("sk_test_51Habcdefgh4242", "sk_test_…4242"), ("rk_live_abcdefgh9999", "rk_live_…9999"),
    ("whsec_abcdefghWgC4", "whsec_…WgC4"), ("sk_test_short", "sk_test_…"), (None, "—"), ("whatever12345678", "…5678"),
])
def test_mask(key, shown):
    assert mask(key) == shown


def test_mode_of():
    assert [mode_of(k) for k in ("pk_test_x", "sk_live_x", "rk_test_x", "whsec_x", None)] == [
        "test", "live", "test", None, None]


@pytest.mark.parametrize("form, saved, values, errors", [
    pytest.param(GOOD, {}, GOOD, {}, id="all-new"),
    pytest.param({**GOOD, "stripe_secret_key": " ", "webhook_secret": ""}, GOOD,
                 {"stripe_publishable_key": "pk_test_abc"}, {}, id="empty-secrets-keep-saved"),
    pytest.param({**GOOD, "stripe_secret_key": "rk_live_abc"}, {}, {}, {"stripe_secret_key": "mixed"}, id="mixed-rk"),
    pytest.param({"stripe_publishable_key": "pk_live_abc"}, {**GOOD, "stripe_secret_key": "sk_live_abc"},
                 {"stripe_publishable_key": "pk_live_abc"}, {}, id="live-pair"),
    pytest.param({**GOOD, "webhook_secret": "whsec_ab\tc"}, {}, {}, {"webhook_secret": "spaces"}, id="tab"),
    pytest.param({}, {}, {}, {"stripe_publishable_key": "required", "stripe_secret_key": "required",
                              "webhook_secret": "required"}, id="nothing"),
])
def test_check_keys(form, saved, values, errors):
    result = check_keys(form, saved)
    assert result.values == values
    assert result.errors.keys() == errors.keys()
    for name, word in errors.items():
        assert word in result.errors[name]


def test_settings_without_keys_need_an_admin_password(tmp_path):
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        Settings(data_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="at least 8"):
        Settings(admin_password="short", data_dir=str(tmp_path))
    settings = Settings.from_env({"SIMPLEX_ADMIN_PASSWORD": "long-enough"}, data_dir=str(tmp_path))
    assert settings.stripe_secret_key is None and settings.admin_enabled
    stored = settings.with_stored({"stripe_secret_key": "sk_test_saved", "session.secret": "x"})
    assert stored.stripe_secret_key == "sk_test_saved" and "sk_test_saved" not in repr(stored)
    env = Settings.from_env({"STRIPE_SECRET_KEY": "sk_test_env", "STRIPE_WEBHOOK_SECRET": "whsec_env"})
    assert env.with_stored({}).stripe_secret_key == "sk_test_env"
    assert env.with_stored({"stripe_secret_key": "sk_test_saved"}).stripe_secret_key == "sk_test_saved"


def test_another_worker_sees_saved_keys_and_shares_the_session_secret(tmp_path):
    settings = Settings(admin_password="admin-password", data_dir=str(tmp_path), stored_config_ttl_s=0)
    first, second = create_app(settings), create_app(settings)
    a, b = first.extensions["platform_adapter"], second.extensions["platform_adapter"]
    assert b.settings.stripe_secret_key is None
    a.config.save_keys({"stripe_secret_key": "sk_test_saved_1234"}, 0)
    assert b.settings.stripe_secret_key == "sk_test_saved_1234"
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    slow = create_app(replace(settings, stored_config_ttl_s=3600))
    state = slow.extensions["platform_adapter"]
    assert state.settings.stripe_secret_key == "sk_test_saved_1234"
    a.config.save_keys({"stripe_secret_key": "sk_test_newer_5678"}, 1)
    assert state.settings.stripe_secret_key == "sk_test_saved_1234"  # cached for the TTL
    assert state.config.stored()["stripe_secret_key"] == "sk_test_newer_5678"
    for app in (first, second, slow):
        app.extensions["platform_adapter"].store.close()


def test_webhook_before_the_signing_secret_is_configured_is_503(tmp_path, caplog):
    app = create_app(Settings(admin_password="admin-password", data_dir=str(tmp_path)))
    caplog.set_level(logging.WARNING)
    response = app.test_client().post("/api/v6/integrations/stripe/web-hooks", data=b"{}",
                                      headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 503 and response.json["error"]["code"] == "not_configured"
    assert any(r.levelno == logging.WARNING and "webhook delivery refused: 503 not_configured" in r.getMessage()
               for r in caplog.records), caplog.text
    app.extensions["platform_adapter"].store.close()


def test_public_url_sets_the_return_urls_and_secure_cookies(tmp_path):
    app = create_app(Settings(admin_password="admin-password", data_dir=str(tmp_path),
                              public_url="https://meeting.example.com/"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.test_request_context("/account", base_url="http://10.0.0.5:8000"):
        assert public_url("account.settings") == "https://meeting.example.com/account"
    page = app.test_client().get("/account/login")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    app.extensions["platform_adapter"].store.close()
