"""A stateful fake Stripe API (test mode) with hosted Checkout, webhooks and time travel.

Usage::

    fake = FakeStripe(seed="guide")
    with fake.serving() as base_url:
        client = stripe.StripeClient("sk_test_anything", base_addresses={"api": base_url})
"""

from .fake import FakeStripe

__all__ = ["FakeStripe"]
