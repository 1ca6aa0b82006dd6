"""The WSGI app: every domain's routes behind the API dispatch layer, plus hosted pages and /_sim helpers."""

import json

from flask import Flask, Response

from . import account, catalog, checkout, clock, customers, events, invoices, payments, prices, subscriptions, webhooks
from . import pages, sim
from .api import api_view, unknown_route

DOMAINS = (account, catalog, prices, customers, payments, checkout, subscriptions, invoices, events, webhooks, clock)
METHODS = ("GET", "POST", "DELETE")


def create_app(fake) -> Flask:
    """A plain Flask (WSGI) app serving one FakeStripe; run it in-process or under any WSGI server."""
    app = Flask(__name__)
    app.extensions["fake_stripe"] = fake
    for domain in DOMAINS:
        for method, path, handler in domain.ROUTES:
            app.add_url_rule(path, endpoint=f"{method} {path}", view_func=api_view(fake, handler), methods=[method])
    app.add_url_rule("/v1/<path:rest>", endpoint="unknown", view_func=api_view(fake, unknown_route), methods=METHODS)
    app.register_blueprint(pages.bp)
    app.register_blueprint(sim.bp)
    app.add_url_rule("/", endpoint="index", view_func=lambda: _index(fake))
    return app


def _index(fake) -> Response:
    """A short map of the server for people who open it in a browser."""
    body = {"object": "fake_stripe", "api": "/v1", "hosted_checkout": "/c/pay/{session_id}",
            "helpers": ["/_sim/checkout/sessions/{id}/complete", "/_sim/clock/advance", "/_sim/reset",
                        "/_sim/seed", "/_sim/deliveries"], "now": fake.now}
    return Response(json.dumps(body, indent=2), mimetype="application/json")
