"""Fixtures: a fake Stripe (guide seed), the platform pointed at it (keys not yet configured), Chromium."""

import os
import shutil

import pytest
import stripe

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving
from tests.support.required import need

from .support import ADMIN_PASSWORD, FOUR, SECRET_KEY, TOKEN, Platform


class Late:
    """A WSGI app assigned after its URL is known (the webhook endpoint is registered first)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def fake_stripe():
    fake = FakeStripe(seed="guide", api_key=SECRET_KEY, time_scale=0)
    with fake.serving() as base:
        yield fake, base


@pytest.fixture
def platform(tmp_path, fake_stripe):
    fake, stripe_base = fake_stripe
    client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_base})
    late = Late()
    with serving(late) as base:
        endpoint = client.v1.webhook_endpoints.create({
            "url": base + "/api/v6/integrations/stripe/web-hooks", "enabled_events": FOUR,
            "api_version": "2026-10-28.endive"})
        settings = Settings(admin_password=ADMIN_PASSWORD, probe_token=TOKEN, stripe_api_base=stripe_base,
                            stripe_max_retries=0, data_dir=str(tmp_path / "data"), customer_email_signin=True)
        late.app = create_app(settings)
        yield Platform(base, late.app, fake, stripe_base, client, endpoint.secret)
        late.app.extensions["platform_adapter"].store.close()


# ---- the browser (Debian's Chromium through Playwright; never a downloaded one) ----------------------
CHROMIUM = os.environ.get("SIMPLEX_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections are refused in the sandboxed CI.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    need(sync_playwright is not None, "playwright is not installed (pip install playwright; no browser download)")
    need(bool(shutil.which(CHROMIUM)), f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path):
    """shot(page, name): a full-page PNG in the test's tmp_path."""
    def shot(page, name: str) -> None:
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    return shot


@pytest.fixture
def new_page(browser):
    contexts = []

    def make():
        context = browser.new_context()
        context.set_default_timeout(30_000)  # each click or wait; generous on a busy 2-core machine, but bounded
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()
