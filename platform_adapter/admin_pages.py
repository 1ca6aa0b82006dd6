"""Platform settings → Stripe configuration: the keys, the product loader and its table (admin only)."""

import hmac
import logging

from flask import Blueprint, current_app, flash, redirect, request, session, url_for

from .errors import NotConfigured, Upstream
from .keys import FIELDS, SECRET_FIELDS, check_keys, mask
from .products import load_products, stored_catalogue
from .stripe_audit import REQUIRED_EVENTS
from .web import check_csrf, page, public_url, start_session

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
    if request.endpoint not in OPEN_ENDPOINTS and not session.get("admin"):
        if request.method == "GET":
            return redirect(url_for("admin.login_form"))
        return page("message.html", 401, title="Signed out", message="Sign in as the administrator first.")
    check_csrf()
    return None


@bp.get("/")
def index():
    """The admin area opens on the Stripe configuration."""
    return redirect(url_for("admin.stripe_settings"))


@bp.get("/login")
def login_form():
    """The administrator's sign-in form."""
    return page("admin_login.html", title="Administrator sign-in")


@bp.post("/login")
def login():
    """Check the password from SIMPLEX_ADMIN_PASSWORD and open an admin session."""
    expected = _state().settings.admin_password or ""
    if not hmac.compare_digest(request.form.get("password", "").encode(), expected.encode()):
        log.warning("admin sign-in refused (wrong password) from %s", request.remote_addr)
        return page("admin_login.html", 401, title="Administrator sign-in", error="Wrong password.")
    start_session(admin=True)
    return redirect(url_for("admin.stripe_settings"), code=303)


@bp.post("/logout")
def logout():
    """End the admin session."""
    session.clear()
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


def _render(status: int = 200, *, errors: dict | None = None, typed: dict | None = None, load_error: str | None = None):
    state = _state()
    return page("admin_stripe.html", status, title="Stripe configuration", keys=_keys_view(state),
                errors=errors or {}, typed=typed or {}, load_error=load_error,
                catalogue=stored_catalogue(state.store), events=REQUIRED_EVENTS,
                webhook_url=public_url("webhooks.receive_webhook"))


@bp.get("/stripe")
def stripe_settings():
    """Platform settings → Stripe configuration."""
    return _render()


@bp.post("/stripe/keys")
def save_keys():
    """Validate and save the keys; with any error nothing is saved."""
    state = _state()
    settings = state.settings
    result = check_keys({name: request.form.get(name, "") for name in FIELDS},
                        {name: getattr(settings, name) for name in FIELDS})
    if not result.ok:
        # Echo only a publishable-looking value: a secret pasted in the wrong field must not come back.
        typed = request.form.get("stripe_publishable_key", "").strip()
        return _render(400, errors=result.errors,
                       typed={"stripe_publishable_key": typed if typed.startswith("pk_") else ""})
    state.config.save_keys(result.values, state.clock())
    log.info("admin saved Stripe configuration: %s", ", ".join(sorted(result.values)) or "nothing changed")
    flash("Saved. Load the products to check that the keys work.", "success")
    return redirect(url_for("admin.stripe_settings"), code=303)


@bp.post("/stripe/products")
def load():
    """Run the product loader with the keys in force; on failure the stored catalogue stays as it was."""
    state = _state()
    try:
        catalogue = load_products(state)
    except (Upstream, NotConfigured) as exc:
        log.warning("loading products failed: %s", exc.message)
        return _render(exc.http_status, load_error=exc.message)
    broken = len(catalogue.products) - len(catalogue.offered)
    flash(f"Loaded {len(catalogue.products)} product(s): {len(catalogue.offered)} offered to customers"
          + (f", {broken} with problems (not offered)." if broken else "."), "success" if not broken else "warning")
    return redirect(url_for("admin.stripe_settings"), code=303)
