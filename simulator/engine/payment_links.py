"""Payment links: a shareable Checkout for fixed line items; create, update (active, options, metadata)."""

import copy

from .errors import InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .state import State

LINK_URL = "https://buy.stripe.com/test_{}"
OPTIONS = ("allow_promotion_codes", "billing_address_collection", "customer_creation", "inactive_message",
           "payment_method_collection", "submit_type")


def create_link(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A payment link for `line_items` (prices of one currency); emits payment_link.created."""
    items = []
    for index, given in enumerate(p["line_items"]):
        price = state.store.require("price", given["price"], f"line_items[{index}][price]", in_body=True)
        items.append({"price": price["id"], "quantity": given.get("quantity", 1)})
    prices = [state.store.get(item["price"]) for item in items]
    if len({price["currency"] for price in prices}) > 1:
        raise InvalidRequest("All prices of a payment link must be in one currency.", param="line_items")
    recurring = any(price["recurring"] for price in prices)
    id = state.new_id("plink")
    link = {"id": id, "object": "payment_link", "active": True,
            "after_completion": {"hosted_confirmation": {"custom_message": None}, "type": "hosted_confirmation"},
            "allow_promotion_codes": False, "application": None, "application_fee_amount": None,
            "application_fee_percent": None, "automatic_tax": {"enabled": False, "liability": None},
            "billing_address_collection": "auto", "consent_collection": None, "currency": prices[0]["currency"],
            "custom_fields": [], "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                                                 "terms_of_service_acceptance": None},
            "customer_creation": "always" if recurring else "if_required", "inactive_message": None,
            "invoice_creation": None if recurring else {"enabled": False, "invoice_data": {
                "account_tax_ids": None, "custom_fields": None, "description": None, "footer": None,
                "issuer": None, "metadata": {}, "rendering_options": None}},
            "livemode": False, "metadata": dict(p.get("metadata") or {}), "on_behalf_of": None,
            "optional_items": [], "payment_intent_data": None, "payment_method_collection": "always",
            "payment_method_options": None, "payment_method_types": None,
            "phone_number_collection": {"enabled": False}, "restrictions": None,
            "shipping_address_collection": None, "shipping_options": [], "submit_type": "auto",
            "subscription_data": {"description": None, "invoice_settings": {"issuer": {"type": "self"}},
                                  "metadata": {}, "trial_period_days": None, "trial_settings": None}
            if recurring else None,
            "tax_id_collection": {"enabled": False, "required": "never"}, "transfer_data": None,
            "url": LINK_URL.format(id.partition("_")[2]), "items": items}
    link.update({k: p[k] for k in OPTIONS if k in p})
    state.store.add(link)
    emit(state, "payment_link.created", link, at=state.now(), origin=origin)
    return link


def update_link(state: State, link: dict, p: dict, *, origin=(None, None)) -> dict:
    """Active, options and metadata; emits payment_link.updated."""
    old = copy.deepcopy(link)
    if "metadata" in p:
        link["metadata"] = merge_metadata(link["metadata"], p["metadata"])
    link.update({k: p[k] for k in ("active", *OPTIONS) if k in p})
    emit(state, "payment_link.updated", link, at=state.now(), old=old, origin=origin)
    return link


def render_link(state: State, record: dict, version: str) -> dict:
    """The `payment_link` (its line items only when expanded)."""
    return {k: v for k, v in record.items() if k != "items"}


RENDERERS = {"payment_link": render_link}
