"""`POST /v1/invoices/{id}/pay` and `/v1/invoices/create_preview`: the simulated parameters, then the engine."""

from ..engine.billing import pay_now, preview
from ..engine.errors import InvalidRequest
from ..engine.invoices import render_invoice
from .context import Call

UNSIMULATED_PAY = ("forgive", "mandate", "paid_out_of_band", "source")


def post_pay(call: Call) -> dict:
    """POST /v1/invoices/{id}/pay: charge a draft or open invoice now (`payment_method`, else the
    subscription's or the customer's default); a decline answers 402 after its events, as Stripe does."""
    state, p = call.state, call.params
    invoice = state.store.require("invoice", call.args["id"])
    for name in UNSIMULATED_PAY:
        if p.get(name) not in (None, False):
            raise InvalidRequest(f"The fake Stripe does not simulate `{name}` on invoice payments.", param=name)
    pay_now(state, invoice, p, origin=call.origin)
    return render_invoice(state, invoice, call.version)


# Preview parameters that would change what is invoiced: the fake previews only the next cycle as it stands.
UNSIMULATED_PREVIEW = ("customer_details", "discounts", "invoice_items", "issuer", "on_behalf_of", "schedule",
                       "schedule_details", "subscription_details")


def post_create_preview(call: Call) -> dict:
    """POST /v1/invoices/create_preview: the cycle invoice the engine will draft at the subscription's period end
    (its items for the next period, pending prorations first), rendered like any invoice and never stored."""
    state, p = call.state, call.params
    for name in UNSIMULATED_PREVIEW:
        if p.get(name) not in (None, [], {}):
            raise InvalidRequest(f"The fake Stripe does not simulate `{name}` on invoice previews.", param=name)
    if (p.get("automatic_tax") or {}).get("enabled"):
        raise InvalidRequest("The fake Stripe does not simulate automatic tax.", param="automatic_tax[enabled]")
    record = preview(state, p)
    return render_invoice(state, record, call.version)


ROUTES = [("POST", "/v1/invoices/<id>/pay", post_pay),
          ("POST", "/v1/invoices/create_preview", post_create_preview)]
