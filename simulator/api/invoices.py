"""`/v1/invoices` and `/v1/invoiceitems` reads: retrieve, list, an invoice's lines."""

from ..engine.invoices import render_invoice, render_invoice_item
from ..engine.invoicing import (create_invoice, create_item, delete_invoice, delete_item, finalize_invoice,
                                mark_uncollectible, send_invoice, update_invoice, void_invoice)
from ..engine.metadata import merge_metadata
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .params import NON_NEGATIVE, POSITIVE, one_of

CHECKS = {"quantity": POSITIVE, "days_until_due": NON_NEGATIVE,
          "collection_method": one_of("charge_automatically", "send_invoice")}


def retrieve_invoice(call: Call) -> dict:
    """GET /v1/invoices/{id}."""
    return render_invoice(call.state, call.state.store.require("invoice", call.args["id"]), call.version)


def list_invoices(call: Call) -> dict:
    """GET /v1/invoices: by customer, subscription and status."""
    p = call.params
    where = {k: p[k] for k in ("customer", "subscription", "status") if k in p}
    return page(call, "invoice", "/v1/invoices", p, where=where)


def list_lines(call: Call) -> dict:
    """GET /v1/invoices/{id}/lines."""
    invoice = render_invoice(call.state, call.state.store.require("invoice", call.args["id"]), call.version)
    return list_object(f"/v1/invoices/{invoice['id']}/lines", invoice["lines"]["data"], False)


def retrieve_invoice_item(call: Call) -> dict:
    """GET /v1/invoiceitems/{id}."""
    record = call.state.store.require("invoiceitem", call.args["id"], word="invoiceitem")
    return render_invoice_item(call.state, record, call.version)


def list_invoice_items(call: Call) -> dict:
    """GET /v1/invoiceitems: by customer, pending or not."""
    p = call.params
    pending = p.get("pending")
    return page(call, "invoiceitem", "/v1/invoiceitems", p,
                where={k: p[k] for k in ("customer", "invoice") if k in p},
                accept=None if pending is None else (lambda ii: (ii["invoice"] is None) == pending))

def post_invoice(call: Call) -> dict:
    """POST /v1/invoices: a draft one-off invoice."""
    invoice = create_invoice(call.state, call.parse(CHECKS, required=("customer",)), origin=call.origin)
    return render_invoice(call.state, invoice, call.version)


def invoice_action(action, checks: dict | None = None):
    """A POST handler that runs `action(state, invoice[, params], origin=…)` and answers the invoice."""
    def handler(call: Call) -> dict:
        invoice = call.state.store.require("invoice", call.args["id"])
        params = call.parse(checks)
        result = (action(call.state, invoice, params, origin=call.origin) if checks is not None
                  else action(call.state, invoice, origin=call.origin))
        return result if result.get("deleted") else render_invoice(call.state, invoice, call.version)
    handler.__name__ = handler.__doc__ = action.__name__
    return handler


def post_item(call: Call) -> dict:
    """POST /v1/invoiceitems."""
    item = create_item(call.state, call.parse(CHECKS, required=("customer",)), origin=call.origin)
    return render_invoice_item(call.state, item, call.version)


def update_item(call: Call) -> dict:
    """POST /v1/invoiceitems/{id}: metadata and description (no event, as Stripe sends none)."""
    item = call.state.store.require("invoiceitem", call.args["id"], word="invoiceitem")
    p = call.parse(CHECKS)
    if "metadata" in p:
        item["metadata"] = merge_metadata(item["metadata"], p["metadata"])
    item.update({k: p[k] for k in ("description",) if k in p})
    return render_invoice_item(call.state, item, call.version)


def remove_item(call: Call) -> dict:
    """DELETE /v1/invoiceitems/{id}."""
    item = call.state.store.require("invoiceitem", call.args["id"], word="invoiceitem")
    return delete_item(call.state, item, origin=call.origin)


ROUTES = [
    ("POST", "/v1/invoices", post_invoice),
    ("POST", "/v1/invoices/<id>", invoice_action(update_invoice, CHECKS)),
    ("DELETE", "/v1/invoices/<id>", invoice_action(delete_invoice)),
    ("POST", "/v1/invoices/<id>/finalize", invoice_action(finalize_invoice)),
    ("POST", "/v1/invoices/<id>/send", invoice_action(send_invoice)),
    ("POST", "/v1/invoices/<id>/void", invoice_action(void_invoice)),
    ("POST", "/v1/invoices/<id>/mark_uncollectible", invoice_action(mark_uncollectible)),
    ("POST", "/v1/invoiceitems", post_item),
    ("POST", "/v1/invoiceitems/<id>", update_item),
    ("DELETE", "/v1/invoiceitems/<id>", remove_item),
    ("GET", "/v1/invoices", list_invoices),
    ("GET", "/v1/invoices/<id>", retrieve_invoice),
    ("GET", "/v1/invoices/<id>/lines", list_lines),
    ("GET", "/v1/invoiceitems", list_invoice_items),
    ("GET", "/v1/invoiceitems/<id>", retrieve_invoice_item),
]
