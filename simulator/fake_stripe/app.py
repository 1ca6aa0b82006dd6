"""The WSGI app: every domain's routes behind the API dispatch layer, plus hosted pages and /_sim helpers."""

import json

from flask import Flask, Response

from . import account, catalog, checkout, clock, customers, events, invoices, payments, prices, subscriptions, webhooks
from . import pages, sim
from .dispatch import FakeStripeApp

DOMAINS = (account, catalog, prices, customers, payments, checkout, subscriptions, invoices, events, webhooks, clock)


def create_app(fake) -> FakeStripeApp:
    """A plain WSGI app serving one FakeStripe; run it in-process or under any WSGI server."""
    pages_app = Flask(__name__)
    pages_app.extensions["fake_stripe"] = fake
    pages_app.register_blueprint(pages.bp)
    pages_app.register_blueprint(sim.bp)
    pages_app.add_url_rule("/", endpoint="index", view_func=lambda: _index(fake))
    return FakeStripeApp(fake, [route for domain in DOMAINS for route in domain.ROUTES], pages_app)


def _index(fake) -> Response:
    """A short map of the server for people who open it in a browser."""
    body = {"object": "fake_stripe", "api": "/v1", "hosted_checkout": "/c/pay/{session_id}",
            "helpers": ["/_sim/checkout/sessions/{id}/complete", "/_sim/clock/advance", "/_sim/reset",
                        "/_sim/seed", "/_sim/deliveries"], "now": fake.now}
    return Response(json.dumps(body, indent=2), mimetype="application/json")
