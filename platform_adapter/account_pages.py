"""Account Settings: the customer's account state, the offered products and top-up through Stripe Checkout.

Customers sign in with their e-mail address alone (a reference platform, not real authentication), so
that sign-in is off unless SIMPLEX_CUSTOMER_EMAIL_SIGNIN enables it; the session then names one
account, and every page and action is about that account only.
"""

import logging
import re
import secrets

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from sqlalchemy.exc import IntegrityError

from .accounts import AccountState
from .checkout import (account_subscriptions, currencies, start_checkout, stop_auto_renewal, subscription_currency,
                       switch_plan)
from .errors import Conflict, NotConfigured, PlatformError, PriceNotOffered, StripeUnreachable, Upstream
from . import sessions
from .catalogue.loader import Catalogue, stored_catalogue
from .web import check_csrf, page, public_url

log = logging.getLogger(__name__)
bp = Blueprint("account", __name__, url_prefix="/account")
OPEN_ENDPOINTS = ("account.login_form", "account.login")
EMAIL_FORMAT = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def _state():
    return current_app.extensions["platform_adapter"]


def _signed_in():
    """The signed-in account's row, or None."""
    signed_in = sessions.current(_state(), sessions.CUSTOMER)
    if signed_in is None or not signed_in.account:
        return None
    with _state().store.read() as tx:
        return tx.account_by_ref(signed_in.account)


@bp.before_request
def guard():
    """Forms carry the CSRF token; pages other than sign-in need a signed-in account."""
    if not _state().settings.customer_email_signin:
        return page("message.html", 404, title="Customer sign-in is off", message=(
            "Customers of this reference platform sign in with an e-mail address alone, which proves nothing, so "
            "it is off. Set SIMPLEX_CUSTOMER_EMAIL_SIGNIN=on to enable it (development and demos only)."))
    check_csrf()
    if request.endpoint not in OPEN_ENDPOINTS and _signed_in() is None:
        if request.method == "GET":
            return redirect(url_for("account.login_form"))
        return _back_to_login("", "Your session ended: sign in again, then repeat what you were doing.")
    return None


@bp.get("/login")
def login_form():
    """Sign in with an e-mail address."""
    error = session.pop("login_error", None)
    return page("account_login.html", title="Sign in", email=session.pop("login_email", ""),
                error=error)


@bp.post("/login")
def login():
    """Open the account with this e-mail address, creating it on first sign-in."""
    state = _state()
    email = request.form.get("email", "").strip()
    if not EMAIL_FORMAT.fullmatch(email) or len(email) > 320:
        return _back_to_login(email[:320], "Enter an e-mail address such as jane@example.com.")
    with state.store.read() as tx:
        account = tx.account_by_email(email)
    if account is None:
        ref = f"acc_{secrets.token_hex(8)}"
        try:
            with state.store.write() as tx:
                tx.create_account(ref, email, state.clock())
        except IntegrityError:  # a 64-bit random reference taken: refuse rather than share an account
            return _back_to_login(email, "Please try again.")
        log.info("account %s created at first sign-in", ref)
    else:
        ref = account.ref
    sessions.sign_in(state, sessions.CUSTOMER, ref)
    return redirect(url_for("account.settings"), code=303)


def _back_to_login(email: str, error: str):
    """Post/redirect/get: the sign-in form again, with the message and what was typed."""
    session["login_error"], session["login_email"] = error, email
    return redirect(url_for("account.login_form"), code=303)


@bp.post("/logout")
def logout():
    """End the customer session: its row goes, so a copy of the cookie is worth nothing."""
    sessions.end(_state())
    return redirect(url_for("account.login_form"), code=303)


def offers(catalogue: Catalogue) -> list[dict]:
    """Each offered product with, per currency, its one-time and auto-renewal prices side by side."""
    rows = []
    for product in catalogue.offered:
        by_currency: dict[str, dict[str, list]] = {}
        for price in product.prices:
            for currency, amount in currencies(price).items():
                cell = by_currency.setdefault(currency, {"one_time": [], "recurring": []})
                cell["recurring" if price.recurring else "one_time"].append(
                    {"price": price.id, "amount": amount, "period": price.period})
        rows.append({"product": product, "currencies": list(by_currency.items())})
    return rows


def tax_note(catalogue: Catalogue) -> str:
    """What the customer pays on top of (or within) the listed prices."""
    if not catalogue.tax_rates:
        return "No tax is added to these prices."
    notes = [f"{r.display_name} {r.percentage:g} % is {'included in' if r.inclusive else 'added to'} the price"
             for r in catalogue.tax_rates]
    return "; ".join(notes) + ", as shown on the checkout page."


def for_customer(what: str, error: PlatformError) -> str:
    """Stripe's trouble in words for a customer; the details (API base, masked key) go to the log only."""
    log.warning("%s failed: %s", what, error.message)
    if isinstance(error, StripeUnreachable):
        return f"{what} is not possible right now: Stripe cannot be reached. Nothing was charged; please try again later."
    return f"{what} is not possible: payments are not set up correctly. Nothing was charged; please contact support."


def _back(message: str, category: str = "error"):
    """Post/redirect/get: every form answers with a redirect to Account Settings and a message there."""
    flash(message, category)
    return redirect(url_for("account.settings"), code=303)


def _subscription_rows(state, row) -> list[dict]:
    """Every subscription of the account; one whose stop the customer asked for shows as stopped at once."""
    stopping = set(session.get("stopping", ()))
    views = account_subscriptions(state, row)
    still = [view.id for view in views if view.renews and view.id in stopping]
    if set(still) != stopping:  # Stripe's confirmation arrived: forget what it confirmed
        session["stopping"] = still
    return [{"view": view, "renews": view.renews and view.id not in stopping,
             "stopping": view.renews and view.id in stopping} for view in views]


def _switch_currency(state, subscription_id: str) -> str | None:
    """The renewing subscription's currency: only prices in it can replace its plan (kept in the session)."""
    known = session.get("subscription_currency") or {}
    if subscription_id not in known:
        currency = subscription_currency(state, subscription_id)
        if currency is None:
            return None  # Stripe unreachable: offer every currency; switching checks it again
        session["subscription_currency"] = known = {subscription_id: currency}
    return known[subscription_id]


@bp.get("")
def settings():
    """Account Settings."""
    state = _state()
    row = _signed_in()
    account = AccountState(row.account_type, row.paid_until, bool(row.auto_renew), row.subscription_id)
    catalogue = stored_catalogue(state.store)
    subscriptions = _subscription_rows(state, row)
    renewing = [sub for sub in subscriptions if sub["renews"]]
    checkout = request.args.get("checkout")
    switch_currency = _switch_currency(state, renewing[0]["view"].id) if renewing else None
    return page("account.html", title="Account Settings", row=row, account=account,
                active=account.active(state.clock()), offers=offers(catalogue), tax_note=tax_note(catalogue),
                subscriptions=subscriptions, renewing=renewing, switch_currency=switch_currency,
                stopping=any(sub["stopping"] for sub in subscriptions),
                returned=checkout if checkout in ("success", "cancelled") else None)


@bp.post("/checkout")
def buy():
    """Create the Checkout Session for the chosen price and currency, then go to Stripe's page."""
    state = _state()
    try:
        session_ = start_checkout(state, _signed_in(), request.form.get("price", ""),
                                  request.form.get("currency") or None, public_url("account.settings"),
                                  earlier_session=session.get("subscription_checkout"))
    except (PriceNotOffered, Conflict) as exc:
        return _back(_sentence(exc.message))
    except (Upstream, NotConfigured) as exc:
        return _back(for_customer("Checkout", exc))
    if session_.mode == "subscription":  # the next Subscribe settles this one first (two tabs, slow webhooks)
        session["subscription_checkout"] = session_.id
    return redirect(session_.url, code=303)


@bp.post("/subscription/switch")
def switch():
    """Switch the renewing subscription to another auto-renewal price (Stripe prorates the difference)."""
    state = _state()
    try:
        offer = switch_plan(state, _signed_in(), request.form.get("subscription", ""), request.form.get("price", ""))
    except (PriceNotOffered, Conflict) as exc:
        return _back(_sentence(exc.message))
    except (Upstream, NotConfigured) as exc:
        return _back(for_customer("Switching the plan", exc))
    return _back(f"Plan switched to {offer.product.name}: the difference for the rest of this period is prorated "
                 "on your next invoice. This page shows the new plan as soon as Stripe confirms.", "success")


@bp.post("/auto-renewal/stop")
def stop_renewal():
    """Stop auto-renewal at the end of the paid period (cancel_at_period_end on every renewing subscription)."""
    state = _state()
    try:
        stopped, failure = stop_auto_renewal(state, _signed_in())
    except Conflict as exc:
        return _back(_sentence(exc.message))
    except (Upstream, NotConfigured) as exc:
        return _back(for_customer("Stopping auto-renewal", exc))
    session["stopping"] = sorted(set(session.get("stopping", ())) | set(stopped))
    if failure is not None:
        return _back(f"Auto-renewal stopped for {len(stopped)} subscription(s) only. "
                     + for_customer("Stopping the others", failure))
    return _back("Auto-renewal stopped: you keep your plan until the end of the paid period"
                 + (f" ({len(stopped)} subscriptions)." if len(stopped) > 1 else "."), "success")


def _sentence(message: str) -> str:
    """A message as a sentence on the page."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
