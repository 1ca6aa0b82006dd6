"""Platform settings → Stripe configuration: the keys, the product loader and its table (admin only)."""

import hmac
import logging
import time

from flask import Blueprint, current_app, flash, make_response, redirect, request, session, url_for

from . import delivery_log, sessions, throttle, webhook_test
from .errors import Conflict, NotConfigured, TooManyAttempts, Upstream
from .keys import FIELDS, SECRET_FIELDS, check_keys, mask, mode_of
from .catalogue.loader import load_products, stored_catalogue
from .stripe_audit import REQUIRED_EVENTS
from .web import check_csrf, page, public_url, wants_html

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")
OPEN_ENDPOINTS = ("admin.login_form", "admin.login")


def _state():
    return current_app.extensions["platform_adapter"]


@bp.before_request
def guard():
    """Admin pages exist only with an admin password; every other page needs the admin session."""
    if not _state().settings.admin_enabled:
        return page("message.html", 404, title="Admin pages are off",
                    message="Set SIMPLEX_ADMIN_PASSWORD (at least 8 characters) to enable the admin pages.")
    if request.endpoint not in OPEN_ENDPOINTS and sessions.current(_state(), sessions.ADMIN) is None:
        if request.method == "GET":
            return redirect(url_for("admin.login_form"))
        session["login_error"] = "Your session ended: sign in again, then repeat what you were doing."
        return redirect(url_for("admin.login_form"), code=303)
    check_csrf()
    return None


@bp.get("/")
def index():
    """The admin area opens on the Stripe configuration."""
    return redirect(url_for("admin.stripe_settings"))


@bp.get("/login")
def login_form():
    """The administrator's sign-in form."""
    return page("admin_login.html", title="Administrator sign-in", error=session.pop("login_error", None))


@bp.post("/login")
def login():
    """Check the password from SIMPLEX_ADMIN_PASSWORD and open an admin session, unless the address must wait."""
    expected = (_state().settings.admin_password or "").encode()
    address = request.remote_addr or "unknown"
    # Checked before the password: while an address waits even the right password is refused.
    refused, wait = throttle.attempt(_state().store, address, time.time(), lambda: hmac.compare_digest(
        request.form.get("password", "").encode(), expected))
    if wait > 0:
        return _throttled(address, throttle.retry_after(wait), refused=refused)
    if refused:
        log.warning("admin sign-in refused (wrong password) from %s", address)
        session["login_error"] = "Wrong password."  # post/redirect/get: a reload never re-sends the password
        return redirect(url_for("admin.login_form"), code=303)
    sessions.sign_in(_state(), sessions.ADMIN)
    log.info("admin signed in from %s", address)
    return redirect(url_for("admin.stripe_settings"), code=303)


def _throttled(address: str, seconds: int, *, refused: bool):
    """429 with Retry-After: the sign-in form (browsers) or a JSON error (API clients)."""
    log.warning("admin sign-in throttled for %s: %s; next attempt in %d s", address,
                "wrong password" if refused else "attempt refused unchecked", seconds)
    message = (("Wrong password. " if refused else "")
               + f"Too many failed sign-ins: wait {seconds} s before trying again.")
    if wants_html():
        response = make_response(*page("admin_login.html", 429, title="Administrator sign-in", error=message))
    else:
        error = TooManyAttempts(message, retry_after=seconds)
        response = make_response(error.to_dict(), error.http_status)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/logout")
def logout():
    """End the admin session: its row goes, so a copy of the cookie is worth nothing."""
    sessions.end(_state())
    return redirect(url_for("admin.login_form"), code=303)


@bp.post("/sessions/end-all")
def end_all_sessions():
    """End every signed-in session, the admin's own and every customer's (e.g. after a cookie leaked)."""
    ended = sessions.end_all(_state())
    log.warning("admin ended every signed-in session (%d)", ended)
    session["login_error"] = f"Every session was ended ({ended}), this one too: sign in again."
    return redirect(url_for("admin.login_form"), code=303)


def _keys_view(state) -> list[dict]:
    """Each key field: where its value comes from and what may be shown of it (never a secret)."""
    stored, settings = state.config.stored(), state.settings
    rows = []
    for name, (label, prefixes) in FIELDS.items():
        value = getattr(settings, name)
        source = "saved on this page" if stored.get(name) else ("from the environment" if value else None)
        rows.append({"name": name, "label": label, "secret": name in SECRET_FIELDS, "source": source,
                     "shown": mask(value) if name in SECRET_FIELDS else (value or ""),
                     "hint": " or ".join(f"{p}…" for p in prefixes)})
    return rows


def key_mode(settings) -> str | None:
    """'test' or 'live': the mode of the keys in force (the secret key decides; else the publishable one)."""
    return mode_of(settings.stripe_secret_key) or mode_of(settings.stripe_publishable_key)


TEST_WAIT_S = 3.0  # wait this long in the request for the test delivery; the page polls after that
TEST_GIVE_UP_S = 30.0


def _test_event_view(state) -> dict | None:
    """The last test event of this admin session: its result, or that it is still on its way."""
    sent = session.get("test_event")
    if not sent:
        return None
    found = webhook_test.result(state, sent["id"])
    if found is not None:
        return {"state": "verified" if found.verified else "refused", "message": found.message}
    if time.time() - sent["at"] > TEST_GIVE_UP_S:
        return {"state": "missing", "message": f"Test event {sent['id']} has not arrived after "
                f"{TEST_GIVE_UP_S:.0f} s: can Stripe reach the endpoint URL below?"}
    return {"state": "waiting", "message": f"Test event {sent['id']} sent; waiting for it to arrive…"}


@bp.get("/stripe")
def stripe_settings():
    """Platform settings → Stripe configuration."""
    state = _state()
    failed = session.pop("key_errors", None) or {}
    test_event = _test_event_view(state)
    return page("admin_stripe.html", 400 if failed else 200, title="Stripe configuration", keys=_keys_view(state),
                errors=failed.get("errors", {}), typed=failed.get("typed", {}),
                catalogue=stored_catalogue(state.store), events=REQUIRED_EVENTS,
                webhook_url=public_url("webhooks.receive_webhook"), mode=key_mode(state.settings),
                deliveries=delivery_log.panel(state, state.clock()), test_event=test_event)


def _back():
    """Post/redirect/get: every form answers with a redirect to the page, which shows the outcome."""
    return redirect(url_for("admin.stripe_settings"), code=303)


@bp.post("/stripe/keys")
def save_keys():
    """Validate and save the keys; with any error nothing is saved."""
    state = _state()
    settings = state.settings
    result = check_keys({name: request.form.get(name, "") for name in FIELDS},
                        {name: getattr(settings, name) for name in FIELDS})
    if not result.ok:
        # Echo only a publishable-looking value: a secret pasted in the wrong field must not come back.
        typed = request.form.get("stripe_publishable_key", "").strip()[:200]
        session["key_errors"] = {"errors": result.errors,
                                 "typed": {"stripe_publishable_key": typed if typed.startswith("pk_") else ""}}
        return _back()
    state.config.save_keys(result.values, state.clock())
    log.info("admin saved Stripe configuration: %s", ", ".join(sorted(result.values)) or "nothing changed")
    flash("Saved. Load the products to check that the keys work.", "success")
    return _back()


@bp.post("/stripe/products")
def load():
    """Run the product loader with the keys in force; on failure the stored catalogue stays as it was."""
    state = _state()
    try:
        catalogue = load_products(state)
    except (Upstream, NotConfigured) as exc:
        log.warning("loading products failed: %s", exc.message)
        flash(f"Loading products failed: {exc.message}. The products below are those of the last load.", "error")
        return _back()
    broken = len(catalogue.products) - len(catalogue.offered)
    flash(f"Loaded {len(catalogue.products)} product(s): {len(catalogue.offered)} offered to customers"
          + (f", {broken} with problems (not offered)." if broken else "."), "success" if not broken else "warning")
    return _back()


@bp.post("/stripe/test-event")
def send_test_event():
    """Ask Stripe to send a test event (a ping) to this endpoint, then report whether it verified."""
    state = _state()
    try:
        event_id = webhook_test.send(state, public_url("webhooks.receive_webhook"))
    except (Conflict, Upstream, NotConfigured) as exc:
        log.warning("test event not sent: %s", exc.message)
        flash(f"No test event was sent: {exc.message}.", "error")
        return _back()
    session["test_event"] = {"id": event_id, "at": time.time()}
    webhook_test.wait(state, event_id, TEST_WAIT_S)
    return _back()
