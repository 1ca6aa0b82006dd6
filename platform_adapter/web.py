"""What the HTML pages share: the session cookie, CSRF tokens, security headers and formatting."""

import hmac
import secrets
from datetime import datetime, timezone

from flask import Flask, abort, current_app, make_response, render_template, request, session, url_for

CSRF_FIELD = "csrf_token"
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
FRONT_PREFIXES = ("/admin", "/account", "/static")
SECURITY_HEADERS = {
    # Pages load nothing from elsewhere; forms post here (Buy then redirects to Stripe's hosted page).
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """Every form post must carry the session's token; anything else is refused before it changes anything."""
    if request.method != "POST":
        return
    sent, expected = request.form.get(CSRF_FIELD, ""), session.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(make_response(*page("message.html", status=400, title="Form expired", message=(
            "This form expired or was not sent from this site. Go back, reload the page and try again."))))


def start_session(**values) -> None:
    """A fresh session (new CSRF token) on sign-in, so a token planted before it is useless."""
    session.clear()
    session.update(values)
    csrf_token()


def page(template: str, status: int = 200, **context):
    """A rendered page with its status."""
    return render_template(template, **context), status


def money(amount: int | None, currency: str) -> str:
    """`USD 29.00`, `JPY 500` (minor units in, Stripe's convention)."""
    if amount is None:
        return f"{currency.upper()} —"
    if currency.lower() in ZERO_DECIMAL:
        return f"{currency.upper()} {amount:,}"
    return f"{currency.upper()} {amount / 100:,.2f}"


def date(ts: float | None) -> str:
    """A Unix time as `2026-03-31 10:00 UTC`."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def public_url(endpoint: str, **values) -> str:
    """An absolute URL of this platform (SIMPLEX_PUBLIC_URL when set, else the request's host)."""
    base = current_app.extensions["platform_adapter"].settings.public_url
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)


def _security_headers(response):
    if request.path.startswith(FRONT_PREFIXES) or request.path == "/":
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith("/static"):
            response.headers["Cache-Control"] = "no-store"  # pages show account and key state
    return response


def init_app(app: Flask, session_secret: str, *, secure_cookies: bool) -> None:
    """Session cookie, template helpers and headers for the HTML pages."""
    app.secret_key = session_secret
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=secure_cookies, SESSION_COOKIE_NAME="simplex_session")
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=CSRF_FIELD)
    app.jinja_env.filters.update(money=money, date=date)
    app.after_request(_security_headers)
