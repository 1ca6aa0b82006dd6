"""Invoice payments (since basil the way from an invoice to its PaymentIntent): `GET /v1/invoice_payments`, one
by id, and the invoice's includable `payments` and `confirmation_secret`."""

from ..engine.errors import ResourceMissing
from ..engine.rendering import list_object, render
from .context import Call

PREFIX = "inpay_"


def payment_id(invoice_id: str) -> str:
    """The id of an invoice's (one, default) payment: derived from the invoice's, so it never changes."""
    return PREFIX + invoice_id.partition("_")[2]


def invoice_payment(state, record: dict, version: str) -> dict | None:
    """The invoice payment of a stored invoice once a PaymentIntent collects it, else None."""
    intent_id = record.get("payment_intent")
    if not intent_id:
        return None
    invoice = render(state, record, version)
    paid = record["status"] == "paid"
    status = "paid" if paid else ("canceled" if record["status"] == "void" else "open")
    return {"id": payment_id(record["id"]), "object": "invoice_payment",
            "amount_paid": invoice["amount_paid"] if paid else None, "amount_requested": invoice["amount_due"],
            "created": record["finalized_at"] or record["created"], "currency": record["currency"],
            "invoice": record["id"], "is_default": True, "livemode": False,
            "payment": {"payment_intent": intent_id, "type": "payment_intent"}, "status": status,
            "status_transitions": {"canceled_at": record.get("voided_at") if status == "canceled" else None,
                                   "paid_at": record["paid_at"]}}


def include_payments(state, invoice: dict, version: str) -> dict:
    """`expand[]=payments` on an invoice: its invoice payments as a list."""
    record = state.store.get(invoice["id"])
    found = invoice_payment(state, record, version) if record else None
    return list_object(f"/v1/invoices/{invoice['id']}/payments", [found] if found else [], False)


def include_confirmation_secret(state, invoice: dict, version: str) -> dict | None:
    """`expand[]=confirmation_secret`: the client secret of the PaymentIntent collecting the invoice."""
    record = state.store.get(invoice["id"])
    intent = state.store.get(record["payment_intent"]) if record and record.get("payment_intent") else None
    if intent is None:
        return None
    return {"client_secret": intent["client_secret"], "type": "payment_intent"}


def list_invoice_payments(call: Call) -> dict:
    """GET /v1/invoice_payments: newest first; `invoice`, `status` and `payment[payment_intent]` filter."""
    p = call.params
    wanted = (p.get("payment") or {}).get("payment_intent")
    if "invoice" in p:
        records = [call.state.store.require("invoice", p["invoice"], "invoice", in_body=True)]
    else:
        records = list(reversed(list(call.state.store.all("invoice"))))
    data = [ip for ip in (invoice_payment(call.state, r, call.version) for r in records)
            if ip and p.get("status") in (None, ip["status"]) and wanted in (None, ip["payment"]["payment_intent"])]
    start = next((i + 1 for i, ip in enumerate(data) if ip["id"] == p.get("starting_after")), 0)
    limit = p.get("limit", 10)
    return list_object("/v1/invoice_payments", data[start:start + limit], len(data) > start + limit)


def retrieve_invoice_payment(call: Call) -> dict:
    """GET /v1/invoice_payments/{id}."""
    id = call.args["id"]
    record = call.state.store.get("in_" + id[len(PREFIX):]) if id.startswith(PREFIX) else None
    found = invoice_payment(call.state, record, call.version) if record else None
    if found is None:
        raise ResourceMissing("invoice_payment", id)
    return found


ROUTES = [
    ("GET", "/v1/invoice_payments", list_invoice_payments),
    ("GET", "/v1/invoice_payments/<id>", retrieve_invoice_payment),
]
INCLUDABLE = {("invoice", "payments"): include_payments, ("invoice", "confirmation_secret"): include_confirmation_secret}
