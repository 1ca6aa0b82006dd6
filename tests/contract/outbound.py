"""Drives every Stripe call the reference platform makes, through its own code, against any API base.

The table says which platform code path makes each SDK call; `test_every_outbound_call_is_driven` keeps it
complete by scanning platform_adapter for `.v1.<resource>.<method>(` calls.
"""

from typing import Callable

from platform_adapter.checkout import start_checkout, stop_auto_renewal, switch_plan
from platform_adapter.catalogue.loader import fetch, load_products
from platform_adapter.stripe_audit import audit, client_for

ACCOUNT_URL = "https://meeting.example.com/account"
# SDK call in platform_adapter -> (HTTP method, spec path template); None: not reached against a Stripe that
# expands what the platform asks to expand (the fallback sends no parameters).
SDK_CALLS: dict[str, tuple[str, str] | None] = {
    "products.list": ("GET", "/v1/products"),
    "prices.list": ("GET", "/v1/prices"),
    "tax_rates.list": ("GET", "/v1/tax_rates"),
    "webhook_endpoints.list": ("GET", "/v1/webhook_endpoints"),
    "checkout.sessions.create": ("POST", "/v1/checkout/sessions"),
    "subscriptions.update": ("POST", "/v1/subscriptions/{subscription_exposed_id}"),
    "subscriptions.retrieve": ("GET", "/v1/subscriptions/{subscription_exposed_id}"),
    "prices.retrieve": ("GET", "/v1/prices/{price}"),
    "checkout.sessions.line_items.list": ("GET", "/v1/checkout/sessions/{session}/line_items"),
    "checkout.sessions.retrieve": ("GET", "/v1/checkout/sessions/{session}"),
    "invoices.retrieve": ("GET", "/v1/invoices/{invoice}"),
    "checkout.sessions.expire": ("POST", "/v1/checkout/sessions/{session}/expire"),
    "products.retrieve": None,
}


def drive(state, recorder, *, account, recurring: str, one_time: str, currency: str, other_recurring: str,
          subscription_for: Callable[[str], str], api_key: str, api_base: str, store_products: bool = True) -> dict:
    """Run each platform step that calls Stripe; `recorder.step` names the step while it runs.

    `store_products=False` fetches the catalogue without replacing the stored one (stripe-mock's fixtures
    are no product the guide would offer, and Checkout needs an offered price).
    """
    def step(name: str, fn: Callable):
        if recorder is not None:
            recorder.step = name
        return fn()

    step("load products (admin page, probe)", lambda: load_products(state) if store_products
         else fetch(state.clients.get(), state.settings))
    earlier = step("checkout, subscription mode", lambda: start_checkout(state, account, recurring, None, ACCOUNT_URL))
    payment = step("checkout, payment mode", lambda: start_checkout(state, account, one_time, currency, ACCOUNT_URL))
    subscription = step("checkout, subscription mode again: the earlier open one is expired",
                        lambda: start_checkout(state, account, recurring, None, ACCOUNT_URL, earlier_session=earlier.id))
    subscription_id = subscription_for(subscription.id)  # the platform knows it now, as from Stripe's webhooks
    step("switch plan", lambda: switch_plan(state, account, subscription_id, other_recurring))
    step("stop auto-renewal", lambda: stop_auto_renewal(state, account))
    step("webhook: price -> product metadata", lambda: state.gateway.price(recurring))
    step("webhook: one-time session's line items", lambda: state.gateway.session_lines(payment.id))
    step("webhook, re-fetch mode: the session", lambda: state.gateway.latest("checkout.session", payment.id))
    sub = step("webhook, re-fetch mode: the subscription", lambda: state.gateway.latest("subscription", subscription_id))
    invoice = (sub or {}).get("latest_invoice") or "in_none"
    step("webhook, re-fetch mode: the invoice", lambda: state.gateway.latest("invoice", invoice))
    step("doctor: audit the account", lambda: audit(client_for(api_key, api_base)))
    return {"subscription": subscription, "payment": payment}
