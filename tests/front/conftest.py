"""Fixtures: a fake Stripe (guide seed) and the platform pointed at it, keys not yet configured."""

import pytest
import stripe

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.receiver import serving

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
                            stripe_max_retries=0, data_dir=str(tmp_path / "data"))
        late.app = create_app(settings)
        yield Platform(base, late.app, fake, stripe_base, client, endpoint.secret)
        late.app.extensions["platform_adapter"].store.close()
