"""The account's balance: card payments wait as pending, except those of the test card that skips the wait."""

from .events import emit
from .state import State

# Stripe's test card (pm_card_bypassPending) whose funds are available at once.
AVAILABLE_AT_ONCE = "0077"


def balance_object(state: State) -> dict:
    """The `balance`: per currency, what card charges left available and pending (refunds taken off)."""
    available: dict[str, int] = {}
    pending: dict[str, int] = {}
    for charge in state.store.all("charge"):
        if charge["status"] != "succeeded" or not charge["captured"]:
            continue
        net = charge["amount_captured"] - charge["amount_refunded"]
        card = (charge["payment_method_details"] or {}).get("card") or {}
        bucket = available if card.get("last4") == AVAILABLE_AT_ONCE else pending
        bucket[charge["currency"]] = bucket.get(charge["currency"], 0) + net
    currencies = sorted(set(available) | set(pending)) or ["usd"]
    return {"object": "balance", "livemode": False,
            "available": [_amount(available.get(c, 0), c) for c in currencies],
            "pending": [_amount(pending.get(c, 0), c) for c in currencies]}


def _amount(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency, "source_types": {"card": amount}}


def funds_arrived(state: State, charge: dict, *, at: int, origin=(None, None)) -> None:
    """balance.available when a charge's funds are available at once."""
    card = (charge["payment_method_details"] or {}).get("card") or {}
    if card.get("last4") == AVAILABLE_AT_ONCE:
        emit(state, "balance.available", balance_object(state), at=at, origin=origin)
