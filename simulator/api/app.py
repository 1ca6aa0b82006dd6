"""The WSGI app: every domain's routes behind the API dispatch layer, plus hosted pages and /_sim helpers."""

import json
import threading
from typing import Callable

from . import (account, billing, cash_balance, catalogue, checkout, clocks, coupons, credit_notes, customers, discounts, disputes,
               events, invoice_payments, invoices, payment_intents, payment_links, payment_pages, payments, portal,
               prices, promotion_codes, quotes, reads, refunds, schedules, search, setup_intents, sources,
               subscriptions, webhooks)
from .dispatch import FakeStripeApp
from .expand import Includes
from .operations import matcher, spec_template_of_route

DOMAINS = (account, catalogue, prices, customers, sources, payments, payment_intents, setup_intents, refunds, disputes,
           checkout, subscriptions, schedules, invoices, invoice_payments, credit_notes, billing, coupons,
           promotion_codes, discounts, portal, payment_links, quotes, events, webhooks, clocks, payment_pages, reads,
           search, cash_balance)
# (object type, field) -> fn(state, obj, version): fields only included on request (`checkout.session.line_items`).
INCLUDABLE: dict[tuple[str, str], Callable] = {**checkout.INCLUDABLE, **prices.INCLUDABLE, **reads.INCLUDABLE,
                                               **customers.INCLUDABLE, **payments.INCLUDABLE,
                                               **invoice_payments.INCLUDABLE, **payment_links.INCLUDABLE,
                                               **quotes.INCLUDABLE, **coupons.INCLUDABLE}
# (object type, field, sub-field) -> fn(state, obj, version): includable fields of a nested hash.
INCLUDABLE_IN: dict[tuple[str, str, str], Callable] = {**reads.INCLUDABLE_IN}


def routes() -> list:
    """Every (method, route, handler) the API serves."""
    return [route for domain in DOMAINS for route in domain.ROUTES]


def served_operations() -> set[tuple[str, str]]:
    """(method, spec template) of every operation of Stripe's API that the fake serves."""
    served = {(method, spec_template_of_route(path)) for method, path, _ in routes()}
    return served & set(matcher().operations)


def create_app(fake) -> FakeStripeApp:
    """A plain WSGI app serving one FakeStripe; run it in-process or under any WSGI server."""
    return FakeStripeApp(fake, routes(), LazyPages(fake), Includes(INCLUDABLE, INCLUDABLE_IN))


class LazyPages:
    """The Flask app of the hosted pages and /_sim helpers, built on its first request.

    The API is dispatched without Flask, so a story told in-process (`fire`, `sequences`) never imports it.
    """

    def __init__(self, fake) -> None:
        self.fake, self.app, self.lock = fake, None, threading.Lock()

    def __call__(self, environ: dict, start_response):
        if self.app is None:
            with self.lock:
                self.app = self.app or pages_app(self.fake)
        return self.app(environ, start_response)


def pages_app(fake):
    """The Flask app behind the API: hosted Checkout pages, /_sim helpers and the index."""
    from flask import Flask

    from . import destinations, pages, sim
    app = Flask(__name__)
    app.extensions["fake_stripe"] = fake
    app.register_blueprint(pages.bp)
    app.register_blueprint(sim.bp)
    app.register_blueprint(destinations.bp)
    app.add_url_rule("/", endpoint="index", view_func=lambda: _index(fake))
    return app


def _index(fake):
    """A short map of the server for people who open it in a browser."""
    from flask import Response

    body = {"object": "fake_stripe", "api": "/v1", "hosted_checkout": "/c/pay/{session_id}",
            "helpers": ["/_sim/checkout/sessions/{id}/complete", "/_sim/clock/advance", "/_sim/reset",
                        "/_sim/seed", "/_sim/deliveries", "/_sim/delivery"],
            "helpers_auth": "Authorization: Bearer <the secret key, as for /v1>", "now": fake.now}
    return Response(json.dumps(body, indent=2), mimetype="application/json")
