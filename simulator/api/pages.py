"""The hosted Checkout page that `session.url` opens: summary, card form, Pay and Cancel."""

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request

from ..engine.checkout import line_offs, totals
from ..engine.completion import complete, redirect_url
from ..engine.errors import CardDeclined, InvalidRequest
from ..engine.invoices import line_taxes
from ..engine.prices import unit_amount
from ..objects.invoices import SYMBOLS

bp = Blueprint("checkout_pages", __name__, template_folder="templates")
# The pages load nothing and run no script; their one stylesheet is inline. No form-action: paying redirects
# to the merchant's success_url, which browsers would block under a form-action of 'self'.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@bp.after_request
def _page_headers(response):
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def money(amount: int, currency: str) -> str:
    """`$29.00`, `€27.00`, `CHF 26.00`."""
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount) / 100:,.2f}"


def _summary(state, session: dict) -> dict:
    """What the left-hand column shows: lines, the discount, tax per rate (on the discounted amount), totals."""
    currency, items, taxes, offs = session["currency"], [], {}, line_offs(state, session)
    for item, (tax, rate) in zip(session["line_items"], line_taxes(state, session["line_items"], offs)):
        price = state.store.get(item["price"])
        product = state.store.get(price["product"])
        rec = price["recurring"]
        every = None if rec is None else (f"Billed every {rec['interval']}" if rec["interval_count"] == 1
                                          else f"Billed every {rec['interval_count']} {rec['interval']}s")
        items.append({"description": product["name"] if product else price["id"], "quantity": item["quantity"],
                      "amount": money(unit_amount(price, currency) * item["quantity"], currency), "interval": every})
        if rate is not None:
            label = f"{rate['display_name']} ({rate['percentage']:g}%{' incl.' if rate['inclusive'] else ''})"
            taxes[label] = taxes.get(label, 0) + tax.tax
    total = totals(state, session)
    pay = "Subscribe" if session["mode"] == "subscription" else "Pay"
    return {"items": items, "taxes": [{"label": k, "amount": money(v, currency)} for k, v in taxes.items()],
            "pay_label": f"{pay} {money(total.total, currency)}",
            "subtotal": money(total.subtotal, currency), "total": money(total.total, currency),
            "discount": money(-sum(a for taken in offs for _, a in taken), currency) if session["discounts"] else None,
            "currency": currency.upper()}


def _page(state, session: dict, *, error: str | None = None, status: int = 200, form: dict | None = None):
    customer = state.store.get(session["customer"]) if session["customer"] else None
    fixed_email = (customer or {}).get("email") or session["customer_email"]
    form = form or {}
    subscribe = session["mode"] == "subscription"
    body = render_template(
        "checkout.html", title="Subscribe" if subscribe else "Pay",
        headline="Subscribe" if subscribe else "Pay simplex Meeting", status=session["status"],
        action=f"/c/pay/{session['id']}",
        cancel_href=f"/c/pay/{session['id']}/cancel" if session["cancel_url"] else None,
        email=fixed_email or form.get("email"), email_fixed=bool(fixed_email), card=form.get("card"),
        name=form.get("name"), error=error, **_summary(state, session))
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


def _message(title: str, message: str, status: int, session_id: str | None = None):
    """A page in Checkout's look for what is not a payment form (an unknown link, the end of a session)."""
    body = render_template("checkout_message.html", title=title, message=message, session_id=session_id)
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


def _session(state, id: str) -> dict:
    session = state.store.get(id)
    if session is None or session["object"] != "checkout.session":
        abort(make_response(*_message("Page not found", "This Checkout link is not valid: no such Checkout "
                                      "Session.", 404)))
    return session


def _account(session_id: str):
    """The sandbox holding a session (a hosted page is reached by the session's id alone, as on Stripe)."""
    sandboxes = current_app.extensions["fake_stripe"].sandboxes
    return sandboxes.holding(session_id) or sandboxes.default


@bp.get("/c/pay/<id>")
def show(id: str):
    """The page itself."""
    fake = _account(id)
    with fake.state.lock:
        fake.state.catch_up()
        return _page(fake.state, _session(fake.state, id))


@bp.post("/c/pay/<id>")
def pay(id: str):
    """Pay: complete the session and redirect to success_url, or show the decline."""
    fake = _account(id)
    form = {k: request.form.get(k, "") for k in ("card", "email", "name")}
    with fake.state.lock:
        fake.state.catch_up()
        session = _session(fake.state, id)
        if session["status"] != "open":
            return _page(fake.state, session, status=409)
        try:
            complete(fake.state, session, form["card"] or "", email=form["email"] or None,
                     name=form["name"] or None)
        except CardDeclined as exc:
            return _page(fake.state, session, error=exc.message, status=402, form=form)
        except InvalidRequest as exc:  # a coupon used up since the session opened
            return _page(fake.state, session, error=exc.message, status=400, form=form)
        fake.changed()
        target = redirect_url(session)
    return redirect(target or f"/c/pay/{id}/done", code=303)


@bp.get("/c/pay/<id>/cancel")
def cancel(id: str):
    """Back to cancel_url while the session is open (it stays open, as on Stripe); once paid, to success_url."""
    fake = _account(id)
    with fake.state.lock:
        session = _session(fake.state, id)
        if session["status"] == "complete":
            return redirect(redirect_url(session) or f"/c/pay/{id}/done", code=303)
    return redirect(session["cancel_url"] or f"/c/pay/{id}", code=303)


@bp.get("/c/pay/<id>/done")
def done(id: str):
    """Where a session without success_url ends up."""
    fake = _account(id)
    with fake.state.lock:
        session = _session(fake.state, id)
    return _message("Thanks for your order", "The payment went through.", 200, session["id"])
