"""Account Settings: the customer's account state, the offered products and top-up through Stripe Checkout.

Customers sign in with their e-mail address alone (a reference platform, not real authentication);
the session then names one account, and every page and action is about that account only.
"""

import logging
import re
import secrets

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from sqlalchemy.exc import IntegrityError

from .accounts import AccountState
from .checkout import currencies, start_checkout, stop_auto_renewal
from .errors import Conflict, NotConfigured, PlatformError, PriceNotOffered, StripeUnreachable, Upstream
from .products import Catalogue, stored_catalogue
from .web import check_csrf, page, public_url, start_session

log = logging.getLogger(__name__)
bp = Blueprint("account", __name__, url_prefix="/account")
OPEN_ENDPOINTS = ("account.login_form", "account.login")
EMAIL_FORMAT = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def _state():
    return current_app.extensions["platform_adapter"]


def _signed_in():
    """The signed-in account's row, or None."""
    ref = session.get("account")
    if not ref:
        return None
    with _state().store.read() as tx:
        return tx.account_by_ref(ref)


@bp.before_request
def guard():
    """Forms carry the CSRF token; pages other than sign-in need a signed-in account."""
    check_csrf()
    if request.endpoint not in OPEN_ENDPOINTS and _signed_in() is None:
        if request.method == "GET":
            return redirect(url_for("account.login_form"))
        return page("message.html", 401, title="Signed out", message="Sign in to your account first.")
    return None


@bp.get("/login")
def login_form():
    """Sign in with an e-mail address."""
    return page("account_login.html", title="Sign in")


@bp.post("/login")
def login():
    """Open the account with this e-mail address, creating it on first sign-in."""
    state = _state()
    email = request.form.get("email", "").strip()
    if not EMAIL_FORMAT.fullmatch(email) or len(email) > 320:
        return page("account_login.html", 400, title="Sign in", email=email,
                    error="Enter an e-mail address such as jane@example.com.")
    with state.store.read() as tx:
        account = tx.account_by_email(email)
    if account is None:
        ref = f"acc_{secrets.token_hex(8)}"
        try:
            with state.store.write() as tx:
                tx.create_account(ref, email, state.clock())
        except IntegrityError:  # a 64-bit random reference taken: refuse rather than share an account
            return page("account_login.html", 409, title="Sign in", email=email, error="Please try again.")
        log.info("account %s created at first sign-in", ref)
    else:
        ref = account.ref
    start_session(account=ref)
    return redirect(url_for("account.settings"), code=303)


@bp.post("/logout")
def logout():
    """End the customer session."""
    session.clear()
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


def _render(status: int = 200, *, error: str | None = None):
    state = _state()
    row = _signed_in()
    account = AccountState(row.account_type, row.paid_until, bool(row.auto_renew), row.subscription_id)
    catalogue = stored_catalogue(state.store)
    checkout = request.args.get("checkout")
    return page("account.html", status, title="Account Settings", row=row, account=account,
                active=account.active(state.clock()), offers=offers(catalogue), tax_note=tax_note(catalogue),
                error=error, returned=checkout if checkout in ("success", "cancelled") else None)


@bp.get("")
def settings():
    """Account Settings."""
    return _render()


@bp.post("/checkout")
def buy():
    """Create the Checkout Session for the chosen price and currency, then go to Stripe's page."""
    state = _state()
    try:
        session_ = start_checkout(state, _signed_in(), request.form.get("price", ""),
                                  request.form.get("currency") or None, public_url("account.settings"))
    except PriceNotOffered as exc:
        return _render(400, error=exc.message)
    except (Upstream, NotConfigured) as exc:
        return _render(exc.http_status, error=for_customer("Checkout", exc))
    return redirect(session_.url, code=303)


@bp.post("/auto-renewal/stop")
def stop_renewal():
    """Stop auto-renewal at the end of the paid period (cancel_at_period_end through the API)."""
    state = _state()
    try:
        stop_auto_renewal(state, _signed_in())
    except Conflict as exc:
        return _render(409, error=exc.message)
    except (Upstream, NotConfigured) as exc:
        return _render(exc.http_status, error=for_customer("Stopping auto-renewal", exc))
    flash("Auto-renewal stopped: you keep your plan until the end of the paid period. "
          "This page shows it as soon as Stripe confirms.", "success")
    return redirect(url_for("account.settings"), code=303)
