"""Credit notes: part of a finalized invoice credited — before payment it lowers what is due, after payment it is
credited outside Stripe (`out_of_band_amount`); void undoes it."""

import copy

from .errors import InvalidRequest
from .events import emit
from .invoices import amount_due, invoice_taxes
from .metadata import merge_metadata
from .state import State

REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")


def _lines(state: State, p: dict, currency: str) -> list[dict]:
    """The credit note's lines: custom lines (`unit_amount` × `quantity`), or one line for `amount`."""
    lines = []
    for given in p.get("lines") or []:
        if given.get("type") != "custom_line_item":
            raise InvalidRequest("The fake Stripe credits custom lines only (`type=custom_line_item`).",
                                 param="lines[0][type]")
        quantity = given.get("quantity", 1)
        unit = given.get("unit_amount", 0)
        lines.append(_line(state, unit * quantity, given.get("description"), quantity, unit))
    if not lines and p.get("amount"):
        lines.append(_line(state, p["amount"], p.get("memo"), 1, p["amount"]))
    if not lines:
        raise InvalidRequest("You must pass one of `amount` or `lines`.", param="lines")
    return lines


def _line(state: State, amount: int, description: str | None, quantity: int, unit: int) -> dict:
    return {"id": state.new_id("cnli"), "object": "credit_note_line_item", "amount": amount,
            "description": description, "discount_amount": 0, "discount_amounts": [], "livemode": False, "metadata": {}, "pretax_credit_amounts": [], "quantity": quantity, "tax_rates": [],
            "taxes": [], "type": "custom_line_item", "unit_amount": unit, "unit_amount_decimal": str(unit)}


def create_credit_note(state: State, p: dict, *, origin=(None, None)) -> dict:
    """Credit part of an open invoice (a pre-payment credit note); emits credit_note.created."""
    note = build_credit_note(state, p)
    state.store.add(note)
    invoice = state.store.get(note["invoice"])
    invoice["pre_payment_credit"] = invoice.get("pre_payment_credit", 0) + note["pre_payment_amount"]
    emit(state, "credit_note.created", note, at=note["created"], origin=origin)
    return note


def invoice_total(state: State, invoice: dict) -> int:
    """An invoice's total (what a paid one can be credited, at most)."""
    return sum(tax.total for tax, _ in invoice_taxes(state, invoice)[0])


def build_credit_note(state: State, p: dict) -> dict:
    """The credit note `p` asks for, checked, not stored (what the preview shows)."""
    invoice = state.store.require("invoice", p["invoice"], "invoice", in_body=True)
    lines = _lines(state, p, invoice["currency"])
    total = sum(line["amount"] for line in lines)
    paid = invoice["status"] == "paid"
    if paid and p.get("out_of_band_amount") != total:
        # After payment Stripe needs to know where the credit goes; the fake models only "outside Stripe".
        raise InvalidRequest("The fake Stripe credits a paid invoice only with `out_of_band_amount` equal to the "
                             "credit note's total.", param="out_of_band_amount")
    if invoice["status"] not in ("open", "paid"):
        raise InvalidRequest(f"You can only credit an open or paid invoice; this one is {invoice['status']}.",
                             param="invoice")
    left = invoice_total(state, invoice) if paid else amount_due(state, invoice)
    if total > left:
        raise InvalidRequest(f"The credit note's total ({total}) is more than the invoice has left to credit "
                             f"({left}).", param="lines", code="credit_note_amount_too_large")
    at = state.now(invoice["test_clock"])
    number = len([n for n in state.store.all("credit_note") if n["invoice"] == invoice["id"]]) + 1
    note = {"id": state.new_id("cn"), "object": "credit_note", "amount": total, "amount_shipping": 0,
            "created": at, "currency": invoice["currency"], "customer": invoice["customer"],
            "customer_account": None, "customer_balance_transaction": None, "discount_amount": 0,
            "discount_amounts": [], "effective_at": at, "invoice": invoice["id"],
            "lines": {"object": "list", "data": lines, "has_more": False, "url": "/v1/credit_notes/lines"},
            "livemode": False, "memo": p.get("memo"), "metadata": dict(p.get("metadata") or {}),
            "number": f"{invoice['number']}-CN-{number:02d}", "out_of_band_amount": None,
            "pdf": f"https://pay.stripe.com/credit_notes/acct_simplex/test_{invoice['id'][3:]}/pdf",
            "post_payment_amount": total if paid else 0, "pre_payment_amount": 0 if paid else total,
            "pretax_credit_amounts": [],
            "reason": p.get("reason"), "refunds": [], "shipping_cost": None, "status": "issued", "subtotal": total,
            "subtotal_excluding_tax": total, "total": total, "total_excluding_tax": total, "total_taxes": [],
            "type": "post_payment" if paid else "pre_payment", "voided_at": None}
    if paid:
        note["out_of_band_amount"] = total
    note["lines"]["url"] = f"/v1/credit_notes/{note['id']}/lines"
    return note


def update_credit_note(state: State, note: dict, p: dict, *, origin=(None, None)) -> dict:
    """Memo and metadata; emits credit_note.updated."""
    old = copy.deepcopy(note)
    if "metadata" in p:
        note["metadata"] = merge_metadata(note["metadata"], p["metadata"])
    if "memo" in p:
        note["memo"] = p["memo"]
    emit(state, "credit_note.updated", note, at=state.now(), old=old, origin=origin)
    return note


def void_credit_note(state: State, note: dict, *, origin=(None, None)) -> dict:
    """Void an issued credit note (its credit is due again); emits credit_note.voided."""
    if note["status"] != "issued":
        raise InvalidRequest("This credit note is already void.")
    old = copy.deepcopy(note)
    note.update(status="void", voided_at=state.now())
    invoice = state.store.get(note["invoice"])
    if invoice is not None:
        invoice["pre_payment_credit"] = invoice.get("pre_payment_credit", 0) - note["pre_payment_amount"]
    emit(state, "credit_note.voided", note, at=state.now(), old=old, origin=origin)
    return note
