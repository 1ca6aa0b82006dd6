"""Settings come from the environment, flags override it, and mistakes are ConfigErrors."""

from pathlib import Path

import pytest

from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError

KEYS = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_0123456789"}


def test_defaults_put_sqlite_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(KEYS)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'simplex-data' / 'platform.sqlite3'}"
    assert (settings.signature_tolerance_s, settings.max_body_bytes) == (300, 1024 * 1024)
    assert not settings.probe_enabled and settings.stripe_api_base is None


def test_environment_then_flags():
    env = {**KEYS, "SIMPLEX_DATABASE_URL": "sqlite:////tmp/a.db", "STRIPE_API_BASE": "http://127.0.0.1:1",
           "SIMPLEX_PROBE_TOKEN": "t", "STRIPE_PUBLISHABLE_KEY": "pk_test_x"}
    settings = Settings.from_env(env, database_url="sqlite:////tmp/b.db", probe_token=None)
    assert settings.database_url == "sqlite:////tmp/b.db" and settings.probe_token == "t"
    assert settings.stripe_api_base == "http://127.0.0.1:1" and settings.stripe_publishable_key == "pk_test_x"
    assert Settings.from_env(KEYS, data_dir="/srv/x").database_url == f"sqlite:///{Path('/srv/x').resolve()}/platform.sqlite3"


@pytest.mark.parametrize("env, message", [
    ({}, "STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET"),
    ({"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "  "}, "STRIPE_WEBHOOK_SECRET"),
])
def test_missing_keys(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_empty_secret_in_code_is_refused():
    with pytest.raises(ConfigError):
        Settings(stripe_secret_key="sk_test_x", webhook_secret="")
