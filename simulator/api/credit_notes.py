"""`/v1/credit_notes`: create, update, void, retrieve, list, lines, preview."""

from ..engine.credit_notes import REASONS, build_credit_note, create_credit_note, update_credit_note, void_credit_note
from ..engine.rendering import list_object
from .context import Call
from .lists import page
from .params import NON_NEGATIVE, POSITIVE, one_of

CHECKS = {"lines.*.quantity": POSITIVE, "lines.*.unit_amount": NON_NEGATIVE, "amount": POSITIVE,
          "reason": one_of(*REASONS)}


def post_credit_note(call: Call) -> dict:
    """POST /v1/credit_notes."""
    return create_credit_note(call.state, call.parse(CHECKS, required=("invoice",)), origin=call.origin)


def post_credit_note_update(call: Call) -> dict:
    """POST /v1/credit_notes/{id}."""
    note = call.state.store.require("credit_note", call.args["id"])
    return update_credit_note(call.state, note, call.parse(), origin=call.origin)


def void(call: Call) -> dict:
    """POST /v1/credit_notes/{id}/void."""
    return void_credit_note(call.state, call.state.store.require("credit_note", call.args["id"]), origin=call.origin)


def retrieve_credit_note(call: Call) -> dict:
    """GET /v1/credit_notes/{id}."""
    return call.state.store.require("credit_note", call.args["id"])


def list_credit_notes(call: Call) -> dict:
    """GET /v1/credit_notes (`customer`, `invoice`)."""
    p = call.params
    return page(call, "credit_note", "/v1/credit_notes", p, where={k: p[k] for k in ("customer", "invoice") if k in p})


def preview(call: Call) -> dict:
    """GET /v1/credit_notes/preview: the credit note these parameters would make, not stored."""
    return build_credit_note(call.state, call.parse(CHECKS, required=("invoice",)))


def preview_lines(call: Call) -> dict:
    """GET /v1/credit_notes/preview/lines."""
    note = build_credit_note(call.state, call.parse(CHECKS, required=("invoice",)))
    return list_object("/v1/credit_notes/preview/lines", note["lines"]["data"], False)


def lines(call: Call) -> dict:
    """GET /v1/credit_notes/{id}/lines."""
    note = call.state.store.require("credit_note", call.args["id"])
    return list_object(f"/v1/credit_notes/{note['id']}/lines", note["lines"]["data"], False)


ROUTES = [
    ("GET", "/v1/credit_notes/preview", preview),
    ("GET", "/v1/credit_notes/preview/lines", preview_lines),
    ("GET", "/v1/credit_notes/<id>/lines", lines),
    ("POST", "/v1/credit_notes", post_credit_note),
    ("GET", "/v1/credit_notes", list_credit_notes),
    ("GET", "/v1/credit_notes/<id>", retrieve_credit_note),
    ("POST", "/v1/credit_notes/<id>", post_credit_note_update),
    ("POST", "/v1/credit_notes/<id>/void", void),
]
