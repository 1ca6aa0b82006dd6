"""Buying from Account Settings: which prices may be bought, the Checkout Session, stopping auto-renewal."""

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from .accounts import SubscriptionView, subscriptions
from .errors import Conflict, PlatformError, PriceNotOffered, StripeRefused, SubscriptionExists, Upstream
from .catalogue.loader import Catalogue, TaxRateView, stored_catalogue
from .catalogue.rules import PriceView, ProductCheck
from .stripe_gateway import calling_stripe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offer:
    """One price of a valid product, in one of its currencies."""

    product: ProductCheck
    price: PriceView
    currency: str
    unit_amount: int | None

    @property
    def mode(self) -> str:
        """Checkout's mode follows the price's type."""
        return "subscription" if self.price.recurring else "payment"


def currencies(price: PriceView) -> dict[str, int | None]:
    """Every currency a price can be paid in, with its amount; the price's own currency first."""
    return {price.currency: price.unit_amount, **dict(price.currency_options)}


def find_offer(catalogue: Catalogue, price_id: str, currency: str | None = None) -> Offer:
    """The offer for a price id (and currency); PriceNotOffered, with the reason, otherwise."""
    for product in catalogue.products:
        for price in product.prices:
            if price.id != price_id:
                continue
            if not product.valid:
                raise PriceNotOffered(f"price {price_id} is not offered: its product {product.name!r} ({product.id}) "
                                      f"breaks the guide's rules ({product.all_problems()[0]})")
            amounts = currencies(price)
            wanted = (currency or price.currency).lower()
            if wanted not in amounts:
                raise PriceNotOffered(f"price {price_id} cannot be paid in {wanted.upper()}; it is offered in "
                                      f"{', '.join(c.upper() for c in amounts)}")
            return Offer(product, price, wanted, amounts[wanted])
    raise PriceNotOffered(f"price {price_id!r} is not offered: it is not a price of any loaded product "
                          "(load the products on the admin page after changing them in Stripe)")


def session_params(ref: str, email: str, offer: Offer, tax_rates: Sequence[TaxRateView], *,
                   success_url: str, cancel_url: str) -> dict:
    """The Checkout Session's parameters; the account reference travels on everything Stripe sends back."""
    reference = {"accountRef": ref}
    line: dict[str, Any] = {"price": offer.price.id, "quantity": 1}
    if tax_rates:
        line["tax_rates"] = [rate.id for rate in tax_rates]
    params = {"mode": offer.mode, "line_items": [line], "currency": offer.currency, "client_reference_id": ref,
              "customer_email": email, "metadata": reference, "success_url": success_url, "cancel_url": cancel_url}
    if offer.mode == "subscription":
        params["subscription_data"] = {"metadata": reference}
    else:
        params["payment_intent_data"] = {"metadata": reference}
    return params


def return_urls(account_url: str) -> tuple[str, str]:
    """Success and cancel URLs: back to Account Settings (Stripe fills in the session id)."""
    return (f"{account_url}?checkout=success&session_id={{CHECKOUT_SESSION_ID}}",
            f"{account_url}?checkout=cancelled")


def account_subscriptions(state, account) -> list[SubscriptionView]:
    """Every subscription of the account (renewing ones first), from its facts and links."""
    with state.store.read() as tx:
        return subscriptions(tx.facts(account.id), tx.linked_ids(account.id, "subscription"))


def renewing(views: Sequence[SubscriptionView]) -> list[SubscriptionView]:
    """The subscriptions that will renew."""
    return [view for view in views if view.renews]


def _refuse_second(subscription_id: str):
    return SubscriptionExists(f"this account already has an auto-renewing subscription ({subscription_id}): switch "
                              "its plan instead of subscribing a second time")


def settle_earlier_checkout(state, account, session_id: str) -> None:
    """The account's earlier subscription Checkout (same browser): refused if it was paid, expired if still open.

    Its webhooks may not be in yet (a paid one), or it may still be payable in another tab (an open one):
    either way a second subscription would follow.
    """
    client = state.clients.get()
    try:
        with calling_stripe("read the earlier Checkout Session", state.settings):
            earlier = client.v1.checkout.sessions.retrieve(session_id)
    except StripeRefused as exc:  # Stripe no longer knows it (other keys since): nothing left to settle
        log.info("earlier checkout session %s not settled: %s", session_id, exc.message)
        return
    if earlier.client_reference_id != account.ref:
        return
    if earlier.status == "open":
        try:
            with calling_stripe("expire the earlier Checkout Session", state.settings):
                earlier = client.v1.checkout.sessions.expire(session_id)
            log.info("checkout session %s expired: account %s started another subscription Checkout", session_id,
                     account.ref)
        except StripeRefused:  # paid (or expired) between the two calls: read how it ended
            with calling_stripe("read the earlier Checkout Session", state.settings):
                earlier = client.v1.checkout.sessions.retrieve(session_id)
    if earlier.status == "complete" and earlier.subscription:
        raise _refuse_second(earlier.subscription)


def start_checkout(state, account, price_id: str, currency: str | None, account_url: str,
                   earlier_session: str | None = None):
    """Create the Checkout Session for an account row and an offered price; returns the SDK session.

    One renewing subscription per account: a second subscription-mode Checkout is refused (409),
    the customer switches the plan of the one they have instead. `earlier_session` is the account's
    last subscription Checkout Session known to the caller (settled first: see settle_earlier_checkout).
    """
    catalogue = stored_catalogue(state.store)
    offer = find_offer(catalogue, price_id, currency)
    if offer.mode == "subscription":
        current = renewing(account_subscriptions(state, account))
        if current:
            raise _refuse_second(current[0].id)
        if earlier_session:
            settle_earlier_checkout(state, account, earlier_session)
    success_url, cancel_url = return_urls(account_url)
    params = session_params(account.ref, account.email, offer, catalogue.tax_rates,
                            success_url=success_url, cancel_url=cancel_url)
    settings = state.settings
    with calling_stripe("create the Checkout Session", settings):
        session = state.clients.get().v1.checkout.sessions.create(params)
    log.info("checkout session %s (%s) for account %s, price %s %s", session.id, offer.mode, account.ref,
             price_id, offer.currency)
    return session


def stop_auto_renewal(state, account) -> tuple[list[str], Upstream | None]:
    """Set cancel_at_period_end on every renewing subscription of the account; the webhooks then update it.

    Returns the subscriptions stopped and, when Stripe failed one after others were stopped, that failure
    (those stopped stay stopped; the customer is told both). A failure on the first one is raised.
    """
    current = renewing(account_subscriptions(state, account))
    if not current:
        raise Conflict("this account has no auto-renewing subscription")
    client = state.clients.get()
    stopped: list[str] = []
    for view in current:
        try:
            with calling_stripe("stop the auto-renewal", state.settings):
                client.v1.subscriptions.update(view.id, {"cancel_at_period_end": True})
        except Upstream as exc:
            if not stopped:
                raise
            log.warning("auto-renewal of subscription %s not stopped: %s", view.id, exc.message)
            return stopped, exc
        stopped.append(view.id)
        log.info("auto-renewal stopped for account %s (subscription %s)", account.ref, view.id)
    return stopped, None


def subscription_currency(state, subscription_id: str) -> str | None:
    """The currency a subscription is billed in (asked from Stripe), or None when Stripe cannot tell now."""
    try:
        with calling_stripe("read the subscription", state.settings):
            return state.clients.get().v1.subscriptions.retrieve(subscription_id).currency
    except PlatformError as exc:
        log.warning("could not read subscription %s: %s", subscription_id, exc.message)
        return None


def switch_plan(state, account, subscription_id: str, price_id: str) -> Offer:
    """Replace the price on the subscription's item, with prorations (Stripe's plan change)."""
    if subscription_id not in {view.id for view in renewing(account_subscriptions(state, account))}:
        raise Conflict("this account has no such auto-renewing subscription")
    offer = find_offer(stored_catalogue(state.store), price_id)
    if offer.mode != "subscription":
        raise PriceNotOffered(f"price {price_id} is a one-time price; a subscription can switch only to an "
                              "auto-renewal price")
    client = state.clients.get()
    with calling_stripe("read the subscription", state.settings):
        subscription = client.v1.subscriptions.retrieve(subscription_id)
    items = subscription["items"].data
    if len(items) != 1:
        raise Conflict(f"subscription {subscription_id} has {len(items)} items; change it in the Stripe Dashboard")
    amounts = currencies(offer.price)
    if subscription.currency not in amounts:
        raise PriceNotOffered(f"price {price_id} cannot be paid in {subscription.currency.upper()}, the "
                              "subscription's currency")
    if items[0].price.id == price_id:
        raise Conflict("the subscription is on this plan already")
    with calling_stripe("switch the plan", state.settings):
        client.v1.subscriptions.update(subscription_id, {"items": [{"id": items[0].id, "price": price_id}],
                                                         "proration_behavior": "create_prorations"})
    log.info("plan switched for account %s: subscription %s to price %s", account.ref, subscription_id, price_id)
    return Offer(offer.product, offer.price, subscription.currency, amounts[subscription.currency])
