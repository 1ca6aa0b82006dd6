"""What the HTML pages share: the session cookie, CSRF tokens, security headers and formatting."""

import hmac
import secrets
from datetime import datetime, timezone

from flask import Flask, abort, current_app, make_response, render_template, request, session, url_for

CSRF_FIELD = "csrf_token"
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
STATIC_PREFIXES = ("/static", "/favicon.ico")
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


ERROR_TITLES = {400: "Bad request", 401: "Signed out", 403: "Not allowed", 404: "Page not found",
                405: "Not allowed here", 409: "Conflict", 413: "Too large", 429: "Too many attempts", 502: "Stripe trouble",
                503: "Not configured yet"}
API_PREFIX = "/api/"


def wants_html() -> bool:
    """A browser asking for a page (by Accept) outside the API; the API answers JSON whatever it is asked."""
    if request.path.startswith(API_PREFIX):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_page(status: int, message: str):
    """An error as the site's own HTML page."""
    title = ERROR_TITLES.get(status, "Something went wrong" if status >= 500 else "Error")
    if status >= 500:
        message = "The platform could not finish this request. Please try again in a moment."
    return page("message.html", status, title=title, message=message or title)


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
    try:
        return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError, TypeError):  # stored by an older version; a page must still show
        return f"(not a date: {ts!r})"


SIMULATED_CLOCK = "SIMPLEX_SIMULATED_CLOCK"  # app.config flag: the clock is a simulation's (demo), show it


def simulated_now() -> float | None:
    """The platform's clock when it is a simulated one (the demo's fake Stripe clock), else None."""
    if not current_app.config.get(SIMULATED_CLOCK):
        return None
    return current_app.extensions["platform_adapter"].clock()


def public_url(endpoint: str, **values) -> str:
    """An absolute URL of this platform (SIMPLEX_PUBLIC_URL when set, else the request's host)."""
    base = current_app.extensions["platform_adapter"].settings.public_url
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)


def _security_headers(response):
    if not request.path.startswith(API_PREFIX):  # pages, error pages and their assets
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith(STATIC_PREFIXES):
            response.headers["Cache-Control"] = "no-store"  # pages show account and key state
    return response


def init_app(app: Flask, session_secret: str, *, secure_cookies: bool) -> None:
    """Session cookie, template helpers and headers for the HTML pages."""
    app.secret_key = session_secret
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=secure_cookies, SESSION_COOKIE_NAME="simplex_session")
    app.jinja_env.globals.update(csrf_token=csrf_token, csrf_field=CSRF_FIELD, simulated_now=simulated_now)
    app.jinja_env.filters.update(money=money, date=date)
    app.after_request(_security_headers)
