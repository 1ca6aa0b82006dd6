"""`/v1/invoices` and `/v1/invoiceitems` reads: retrieve, list, an invoice's lines."""

from ..engine.invoices import render_invoice, render_invoice_item
from ..engine.rendering import list_object
from .context import Call
from .lists import page


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

ROUTES = [
    ("GET", "/v1/invoices", list_invoices),
    ("GET", "/v1/invoices/<id>", retrieve_invoice),
    ("GET", "/v1/invoices/<id>/lines", list_lines),
    ("GET", "/v1/invoiceitems", list_invoice_items),
    ("GET", "/v1/invoiceitems/<id>", retrieve_invoice_item),
]
