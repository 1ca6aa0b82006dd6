"""Fixtures: a platform on a real SQLite file, served on 127.0.0.1, with a dict-backed Stripe gateway."""

import pytest

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.delivery.receiver import serving

from .support import SECRET, TOKEN, DictGateway, Probe


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                    data_dir=str(tmp_path / "data"))


@pytest.fixture
def gateway() -> DictGateway:
    return DictGateway()


@pytest.fixture
def app(settings, gateway):
    app = create_app(settings, gateway=gateway)
    yield app
    app.extensions["platform_adapter"].store.close()


@pytest.fixture
def store(app):
    return app.extensions["platform_adapter"].store


@pytest.fixture
def probe(app):
    with serving(app) as base:
        yield Probe(base)
