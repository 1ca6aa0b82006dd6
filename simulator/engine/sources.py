"""A customer's legacy card sources (`tok_visa` and friends): add, update, remove; the first is the default."""

import copy
import hashlib

from .errors import InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .payments import CARD_TOKENS, TEST_CARDS
from .rendering import deleted
from .state import State

BRANDS = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}


def card_object(*, id: str, number: str, customer: str) -> dict:
    """A `card` source of a test card number."""
    brand, _ = TEST_CARDS[number]
    return {"id": id, "object": "card", "address_city": None, "address_country": None, "address_line1": None,
            "address_line1_check": None, "address_line2": None, "address_state": None, "address_zip": None,
            "address_zip_check": None, "allow_redisplay": "unspecified", "brand": BRANDS.get(brand, brand.title()),
            "country": "US", "customer": customer, "cvc_check": "pass", "dynamic_last4": None, "exp_month": 12,
            "exp_year": 2034, "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16], "funding": "credit",
            "last4": number[-4:], "metadata": {}, "name": None, "regulated_status": "unregulated",
            "tokenization_method": None}


def add_source(state: State, customer: dict, token: str, *, metadata: dict | None = None, param: str = "source",
               origin=(None, None)) -> dict:
    """A card from a test token on the customer (its default source if it had none); customer.source.created."""
    check_token(token, param)
    at = state.now(customer["test_clock"])
    card = state.store.add(card_object(id=state.new_id("card"), number=CARD_TOKENS[token], customer=customer["id"]))
    card["metadata"] = dict(metadata or {})
    emit(state, "customer.source.created", card, at=at, origin=origin)
    if customer.get("default_source") is None:
        old = copy.deepcopy(customer)
        customer["default_source"] = card["id"]
        emit(state, "customer.updated", customer, at=at, old=old, origin=origin)
    return card


def check_token(token: str, param: str = "source") -> None:
    """Stripe's `No such token` for a card token the fake does not know, before anything changes."""
    if token not in CARD_TOKENS:
        raise InvalidRequest(f"No such token: '{token}'", param=param, code="resource_missing")


def replace_default_source(state: State, customer: dict, token: str, *, origin=(None, None)) -> dict:
    """`source` on a customer update: a new card becomes the default source and the old default card is deleted
    (Stripe's customer update)."""
    previous = state.store.get(customer.get("default_source") or "")
    card = add_source(state, customer, token, origin=origin)
    if previous is not None and previous["object"] == "card":
        remove_source(state, customer, previous, origin=origin)  # the default falls to the newest: this card
    return card


def owned(state: State, customer: dict, source_id: str) -> dict:
    """One of the customer's card sources, or Stripe's `No such source`."""
    card = state.store.get(source_id)
    if card is None or card["object"] != "card" or card["customer"] != customer["id"]:
        raise InvalidRequest(f"No such source: '{source_id}'", param="id", code="resource_missing", http_status=404)
    return card


def update_source(state: State, card: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata, name, expiry and address fields; emits customer.source.updated."""
    old = copy.deepcopy(card)
    if "metadata" in p:
        card["metadata"] = merge_metadata(card["metadata"], p["metadata"])
    card.update({k: p[k] for k in ("name", "exp_month", "exp_year", "address_city", "address_country",
                                   "address_line1", "address_line2", "address_state", "address_zip") if k in p})
    emit(state, "customer.source.updated", card, at=state.now(), old=old, origin=origin)
    return card


def remove_source(state: State, customer: dict, card: dict, *, origin=(None, None)) -> dict:
    """Remove a card source (the default falls to the newest left); emits customer.source.deleted."""
    state.store.remove(card["id"])
    emit(state, "customer.source.deleted", card, at=state.now(), origin=origin)
    if customer.get("default_source") == card["id"]:
        old = copy.deepcopy(customer)
        left = [c for c in state.store.all("card") if c["customer"] == customer["id"]]
        customer["default_source"] = left[-1]["id"] if left else None
        emit(state, "customer.updated", customer, at=state.now(), old=old, origin=origin)
    return deleted(card["id"], "card")


def sources_of(state: State, customer_id: str) -> list[dict]:
    """A customer's card sources, newest first."""
    return [c for c in state.store.all("card") if c["customer"] == customer_id][::-1]
