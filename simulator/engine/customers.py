"""Customers, optionally on a test clock, with their default payment method."""

import copy
import hashlib

from ..objects.customers import customer_object
from .billing import end_subscription
from .discounts import deleted_discount, redeemable, set_customer_discount
from .errors import MissingParameter, ResourceMissing
from .events import emit
from .metadata import merge_metadata
from .payments import attach, card_number, check_card, check_payment_method, new_payment_method
from .rendering import deleted
from .sources import add_source, check_token, replace_default_source
from .state import State

SIMPLE = ("address", "balance", "description", "email", "name", "phone", "preferred_locales", "tax_exempt",
          "invoice_prefix", "next_invoice_sequence")
# What an unset (emptied) field goes back to: a customer is never without a tax status.
UNSET_TO = {"tax_exempt": "none"}


def _simple(p: dict, skip: tuple[str, ...] = ()) -> dict:
    return {k: UNSET_TO.get(k) if p[k] is None and k in UNSET_TO else p[k]
            for k in SIMPLE if k in p and k not in skip}


def invoice_prefix(customer_id: str) -> str:
    """A stable 8-character invoice number prefix per customer, as Stripe assigns one."""
    return hashlib.sha256(customer_id.encode()).hexdigest()[:8].upper()


def create_customer(state: State, p: dict, *, at: int | None = None, origin=(None, None),
                    quiet: bool = False) -> dict:
    """Store a customer (on its test clock's time); emits customer.created unless the caller will (`quiet`)."""
    clock = p.get("test_clock")
    if clock is not None:
        state.store.require("test_helpers.test_clock", clock, "test_clock", in_body=True)
    at = state.now(clock) if at is None else at
    resolved = _discount_of(state, None, p, at)
    id = state.new_id("cus")
    customer = customer_object(id=id, email=p.get("email"), created=at, name=p.get("name"),
                               metadata=p.get("metadata"), test_clock=clock,
                               invoice_prefix=p.get("invoice_prefix") or invoice_prefix(id),
                               description=p.get("description"))
    customer.update(_simple(p, skip=("invoice_prefix",)))
    state.store.add(customer)
    if not quiet:
        emit(state, "customer.created", customer, at=at, origin=origin)
    if resolved:
        set_customer_discount(state, customer, resolved, at=at, origin=origin)
    if p.get("source"):
        add_source(state, customer, p["source"], origin=origin)
    attached = None
    if p.get("payment_method"):
        attached = attach(state, p["payment_method"], customer, at=at, origin=origin, param="payment_method")
    settings = p.get("invoice_settings") or {}
    default = settings.get("default_payment_method")
    if default:
        # A test token named twice (`payment_method` and the default) is the one card it attached.
        chosen = attached["id"] if attached is not None and default == p["payment_method"] else default
        set_default_payment_method(state, customer, chosen, at=at, origin=origin)
    return customer


def set_default_payment_method(state: State, customer: dict, pm_id: str | None, *, at: int,
                               origin=(None, None)) -> None:
    """Point invoice_settings.default_payment_method at an attached card; emits customer.updated."""
    check_payment_method(state, customer, pm_id, "invoice_settings[default_payment_method]")
    old = copy.deepcopy(customer)
    customer["invoice_settings"]["default_payment_method"] = pm_id
    emit(state, "customer.updated", customer, at=at, old=old, origin=origin)


def replace_card(state: State, customer: dict, card: str) -> dict:
    """A new default test card for a customer and its live subscriptions (how a story makes renewals fail)."""
    number = card_number(card)
    if not number:
        raise MissingParameter("card")
    check_card(number)
    at = state.now(customer["test_clock"])
    pm = new_payment_method(state, number, at=at, email=customer["email"], name=customer["name"])
    attach(state, pm["id"], customer, at=at)
    set_default_payment_method(state, customer, pm["id"], at=at)
    for sub in state.store.all("subscription"):
        if sub["customer"] == customer["id"] and sub["status"] not in ("canceled", "incomplete_expired"):
            sub["default_payment_method"] = pm["id"]
    return pm


def change_customer(state: State, customer: dict, p: dict, *, origin=(None, None)) -> dict:
    """Update a customer: metadata merges, invoice_settings.default_payment_method must be attached, a `source`
    replaces the default card."""
    if p.get("source"):
        check_token(p["source"])
    settings = p.get("invoice_settings") or {}
    check_payment_method(state, customer, settings.get("default_payment_method"),
                         "invoice_settings[default_payment_method]")
    at = state.now(customer["test_clock"])
    resolved = _discount_of(state, customer, p, at)
    old = copy.deepcopy(customer)
    if resolved is not False:
        set_customer_discount(state, customer, resolved, at=at, origin=origin)
    customer.update(_simple(p))
    if "metadata" in p:
        customer["metadata"] = merge_metadata(customer["metadata"], p["metadata"])
    for key in ("default_payment_method", "footer", "custom_fields", "rendering_options"):
        if key in settings:
            customer["invoice_settings"][key] = settings[key]
    emit(state, "customer.updated", customer, at=at, old=old, origin=origin)
    if p.get("source"):
        replace_default_source(state, customer, p["source"], origin=origin)
    return customer


def _discount_of(state: State, customer: dict | None, p: dict, at: int):
    """What the pre-basil `coupon` / `promotion_code` parameters ask of the customer's discount, checked: a
    (coupon, promotion code) to redeem, None to remove it (`coupon=`), False to leave it as it is."""
    key = next((k for k in ("promotion_code", "coupon") if p.get(k)), None)
    if key is not None:
        return redeemable(state, {key: p[key]}, customer, "", at)
    return None if any(k in p for k in ("coupon", "promotion_code")) else False


def remove_discount(state: State, customer: dict, *, origin=(None, None)) -> dict:
    """DELETE /v1/customers/{id}/discount: customer.discount.deleted; answers the deleted discount."""
    current = customer.get("discount")
    if not current:
        raise ResourceMissing("discount", customer["id"], "customer")
    set_customer_discount(state, customer, None, at=state.now(customer["test_clock"]), origin=origin)
    return deleted_discount(current)


def remove_customer(state: State, customer: dict, *, origin=(None, None)) -> dict:
    """Delete a customer; its live subscriptions end with it."""
    for sub in list(state.store.all("subscription")):
        if sub["customer"] == customer["id"] and sub["status"] not in ("canceled", "incomplete_expired"):
            end_subscription(state, sub, at=state.now(customer["test_clock"]), origin=origin)
    state.store.remove(customer["id"])
    emit(state, "customer.deleted", customer, at=state.now(customer["test_clock"]), origin=origin)
    return deleted(customer["id"], "customer")
