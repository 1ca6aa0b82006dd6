"""The record scripts: the stories `simulator/story_names.py` marks recordable, as calls any Stripe API accepts.

Each runs on its own test clock, objects and customer, and includes what it needs (a renewal subscribes first).
"""

from dataclasses import dataclass, field
from typing import Callable

import math
import time

import stripe

from simulator.errors import UnknownStory
from simulator.story_names import recordable

from .errors import RecordError

EMAIL = "record@example.com"
ACCOUNT_REF = "acct-record"
SUCCESS_URL = "https://example.com/billing/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://example.com/billing/cancel"
HOUR, DAY = 3600, 86400


@dataclass
class Kit:
    """What a story's steps share: the client, the test clock's start and the ids made so far."""

    client: stripe.StripeClient
    name: str
    anchor: int
    wait_ready: Callable[[str], None]
    ids: dict = field(default_factory=dict)

    @property
    def v1(self):
        """The SDK's v1 services."""
        return self.client.v1


# ---- setup and teardown (every story) ---------------------------------------------------------
def create_clock(kit: Kit) -> None:
    """A test clock frozen at the story's anchor."""
    clock = kit.v1.test_helpers.test_clocks.create({"frozen_time": kit.anchor,
                                                    "name": f"simplex-stripe record {kit.name}"})
    kit.ids["clock"] = clock.id


def create_catalogue(kit: Kit) -> None:
    """Two products (professional, business), monthly prices, a one-time price and a 7.7 % exclusive VAT rate."""
    for key, name, amount in (("pro", "1-month Professional Account", 2900),
                              ("business", "1-month Business Account", 4900)):
        product = kit.v1.products.create({"name": f"{name} (simplex-stripe record)",
                                          "metadata": {"accountType": key if key != "pro" else "professional",
                                                       "interval": "1"}})
        kit.ids[f"{key}_product"] = product.id
        price = kit.v1.prices.create({"product": product.id, "unit_amount": amount, "currency": "usd",
                                      "recurring": {"interval": "month", "interval_count": 1}})
        kit.ids[f"{key}_price"] = price.id
    once = kit.v1.prices.create({"product": kit.ids["pro_product"], "unit_amount": 2900, "currency": "usd"})
    kit.ids["once_price"] = once.id
    vat = kit.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": False,
                                   "country": "CH", "tax_type": "vat"})
    kit.ids["vat"] = vat.id


def create_customer(kit: Kit) -> None:
    """The buyer, on the story's test clock."""
    customer = kit.v1.customers.create({"email": EMAIL, "name": "Record Story", "test_clock": kit.ids["clock"],
                                        "metadata": {"accountRef": ACCOUNT_REF}})
    kit.ids["customer"] = customer.id


def clean_up(kit: Kit) -> None:
    """Delete the test clock (its customer and subscriptions go with it); archive prices, products, the rate."""
    if "clock" in kit.ids:
        kit.v1.test_helpers.test_clocks.delete(kit.ids["clock"])
    for key in ("pro_price", "business_price", "once_price"):
        if key in kit.ids:
            kit.v1.prices.update(kit.ids[key], {"active": False})
    for key in ("pro_product", "business_product"):
        if key in kit.ids:
            kit.v1.products.update(kit.ids[key], {"active": False})
    if "vat" in kit.ids:
        kit.v1.tax_rates.update(kit.ids["vat"], {"active": False})


# ---- the stories' own steps ----------------------------------------------------------------------
def _pay_session(kit: Kit, session) -> None:
    """Pay a Checkout Session through the API with Stripe's test card token, as the Stripe CLI's fixtures do."""
    pm = kit.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"},
                                        "billing_details": {"email": EMAIL, "name": "Record Story"}})
    kit.client.raw_request("post", f"/v1/payment_pages/{session.id}/confirm", payment_method=pm.id,
                           expected_amount=session.amount_total)


def subscribe(kit: Kit) -> None:
    """First purchase: a subscription Checkout Session (29.00 USD + VAT), paid with a test card."""
    session = kit.v1.checkout.sessions.create({
        "mode": "subscription", "customer": kit.ids["customer"], "client_reference_id": ACCOUNT_REF,
        "line_items": [{"price": kit.ids["pro_price"], "quantity": 1, "tax_rates": [kit.ids["vat"]]}],
        "success_url": SUCCESS_URL, "cancel_url": CANCEL_URL,
        "subscription_data": {"metadata": {"accountRef": ACCOUNT_REF}}})
    _pay_session(kit, session)
    session = kit.v1.checkout.sessions.retrieve(session.id)
    if session.status != "complete" or not session.subscription:
        raise RecordError(f"the Checkout Session {session.id} did not complete (status {session.status})")
    sub = kit.v1.subscriptions.retrieve(session.subscription)
    kit.ids["subscription"], kit.ids["item"] = sub.id, sub["items"].data[0].id
    kit.ids["period_end"] = sub["items"].data[0].current_period_end


def _advance(kit: Kit, to: int) -> None:
    kit.v1.test_helpers.test_clocks.advance(kit.ids["clock"], {"frozen_time": to})
    kit.wait_ready(kit.ids["clock"])
    kit.v1.test_helpers.test_clocks.retrieve(kit.ids["clock"])


def renew(kit: Kit) -> None:
    """Advance the test clock two hours past the period end: the renewal invoice is drafted, finalized and paid."""
    _advance(kit, kit.ids["period_end"] + 2 * HOUR)
    sub = kit.v1.subscriptions.retrieve(kit.ids["subscription"])
    kit.ids["period_end"] = sub["items"].data[0].current_period_end


def advance_half_period(kit: Kit) -> None:
    """Advance the test clock 15 days into the first period."""
    _advance(kit, kit.anchor + 15 * DAY)


def change_plan(kit: Kit) -> None:
    """Switch the subscription's item to the business price, prorated (create_prorations)."""
    kit.v1.subscriptions.update(kit.ids["subscription"], {
        "items": [{"id": kit.ids["item"], "price": kit.ids["business_price"]}],
        "proration_behavior": "create_prorations"})


def cancel_at_period_end(kit: Kit) -> None:
    """Ask for the subscription to end at its period end."""
    kit.v1.subscriptions.update(kit.ids["subscription"], {"cancel_at_period_end": True})


def cancel_now(kit: Kit) -> None:
    """Cancel the subscription immediately (DELETE)."""
    kit.v1.subscriptions.cancel(kit.ids["subscription"])


def use_failing_card(kit: Kit) -> None:
    """Attach Stripe's test card whose charges fail and make it the subscription's card."""
    pm = kit.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": kit.ids["customer"]})
    kit.v1.customers.update(kit.ids["customer"], {"invoice_settings": {"default_payment_method": pm.id}})
    kit.v1.subscriptions.update(kit.ids["subscription"], {"default_payment_method": pm.id})


def buy_once(kit: Kit) -> None:
    """One-time purchase: a payment-mode Checkout Session (29.00 USD + VAT), paid with a test card."""
    session = kit.v1.checkout.sessions.create({
        "mode": "payment", "customer": kit.ids["customer"], "client_reference_id": ACCOUNT_REF,
        "line_items": [{"price": kit.ids["once_price"], "quantity": 1, "tax_rates": [kit.ids["vat"]]}],
        "success_url": SUCCESS_URL, "cancel_url": CANCEL_URL,
        "payment_intent_data": {"metadata": {"accountRef": ACCOUNT_REF}}})
    _pay_session(kit, session)
    kit.v1.checkout.sessions.retrieve(session.id)


Step = tuple[str, Callable[[Kit], None]]
SETUP: list[Step] = [("create test clock", create_clock), ("create catalogue", create_catalogue),
                     ("create customer", create_customer)]
TEARDOWN: Step = ("clean up", clean_up)
# Steps that start in a new wall-clock second: against a fast API, archiving a product in the second it was
# created leaves its `updated` unchanged, and whether `previous_attributes.updated` appears would be luck.
NEW_SECOND = {TEARDOWN[0]}
SUBSCRIBE: Step = ("subscribe through Checkout", subscribe)

# story name -> (one-line description, the story's own steps between setup and clean-up)
SCRIPTS: dict[str, tuple[str, list[Step]]] = {
    "first-purchase": ("subscription Checkout paid with a test card", [SUBSCRIBE]),
    "renewal": ("first purchase, then the test clock passes the period end", [SUBSCRIBE, ("renew", renew)]),
    "plan-change": ("first purchase, half a month, then a prorated switch to a dearer plan and the renewal",
                    [SUBSCRIBE, ("advance half a period", advance_half_period), ("change plan", change_plan),
                     ("renew with prorations", renew)]),
    "cancellation": ("first purchase, cancel at period end, the clock passes the period end",
                     [SUBSCRIBE, ("cancel at period end", cancel_at_period_end), ("period ends", renew)]),
    "cancel-now": ("first purchase, then an immediate cancellation", [SUBSCRIBE, ("cancel now", cancel_now)]),
    "failed-renewal": ("first purchase, a card that declines, the renewal fails",
                       [SUBSCRIBE, ("switch to a declining card", use_failing_card), ("renewal fails", renew)]),
    "one-time-purchase": ("payment-mode Checkout paid with a test card", [("buy once", buy_once)]),
}


def next_second(clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait for the next wall-clock second."""
    now = clock()
    sleep(math.floor(now) + 1 - now + 0.01)


def script_name(name: str) -> str:
    """The story name of `name` (an alias too) if it has a record script, else RecordError saying why."""
    try:
        return recordable(name)
    except UnknownStory as exc:
        raise RecordError(str(exc)) from None


def steps(name: str) -> list[Step]:
    """Every step of a story: setup, its own steps, clean-up."""
    return [*SETUP, *SCRIPTS[script_name(name)][1], TEARDOWN]
