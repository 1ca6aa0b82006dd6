"""Version-tolerant readers for the four events' objects (stripe-behaviour.md §4.3 read-map).

Every reader works on plain dicts (`event.to_dict()`) and on stripe-python `StripeObject`s, which
are not dicts since v15: they support `in` and `[]` but not `.get()`.
"""

from dataclasses import dataclass
from typing import Any

ACCOUNT_REF_KEY = "accountRef"


def get(obj: Any, *path: str) -> Any:
    """Follow `path` through dicts or StripeObjects; None as soon as a step is missing."""
    for key in path:
        if obj is None:
            return None
        if isinstance(obj, dict):
            obj = obj.get(key)
        else:
            try:
                obj = obj[key] if key in obj else None
            except TypeError:  # a scalar where an object was expected
                return None
    return obj


def id_of(value: Any) -> str | None:
    """An expandable field's id: the string itself, or the expanded object's `id`."""
    if value is None or isinstance(value, str):
        return value or None
    return get(value, "id")


def items(obj: Any, *path: str) -> list:
    """The `data` list of a list object at `path` (empty when absent)."""
    found = get(obj, *path, "data")
    return list(found) if found else []


def metadata_ref(obj: Any, *path: str) -> str | None:
    """The account reference kept in a metadata hash at `path`."""
    value = get(obj, *path, "metadata", ACCOUNT_REF_KEY) if path else get(obj, "metadata", ACCOUNT_REF_KEY)
    return value if isinstance(value, str) and value else None


# ---- checkout.session ---------------------------------------------------------------------

def session_account_ref(session: Any) -> str | None:
    """`client_reference_id`, else the session's `metadata.accountRef`."""
    ref = get(session, "client_reference_id")
    return ref if isinstance(ref, str) and ref else metadata_ref(session)


# ---- invoice ------------------------------------------------------------------------------

def invoice_subscription_id(invoice: Any) -> str | None:
    """basil+: `parent.subscription_details.subscription`; pre-basil: `subscription`."""
    return id_of(get(invoice, "parent", "subscription_details", "subscription")) or id_of(get(invoice, "subscription"))


def invoice_account_ref(invoice: Any) -> str | None:
    """The subscription-metadata snapshot's reference (either shape), else the invoice's own metadata."""
    return (metadata_ref(invoice, "parent", "subscription_details")
            or metadata_ref(invoice, "subscription_details") or metadata_ref(invoice))


def invoice_is_paid(invoice: Any) -> bool:
    """`status == "paid"`; pre-basil payloads also carry the `paid` flag."""
    return get(invoice, "status") == "paid" or get(invoice, "paid") is True


@dataclass(frozen=True)
class PaidLine:
    """One subscription line of an invoice: what it bought, for which period."""

    subscription: str | None
    price: str | None
    product: str | None
    start: int
    end: int
    proration: bool
    amount: int


def line_price_id(line: Any) -> str | None:
    """basil+: `pricing.price_details.price` (expandable since clover); pre-basil: `price.id` or `plan.id`."""
    return (id_of(get(line, "pricing", "price_details", "price"))
            or id_of(get(line, "price")) or id_of(get(line, "plan")))


def line_product_id(line: Any) -> str | None:
    """The line's product id, where the payload names it."""
    return (id_of(get(line, "pricing", "price_details", "product"))
            or id_of(get(line, "price", "product")) or id_of(get(line, "plan", "product")))


def subscription_lines(invoice: Any) -> list[PaidLine]:
    """The invoice lines that belong to a subscription item (both shapes)."""
    found = []
    for line in items(invoice, "lines"):
        basil = get(line, "parent", "type") == "subscription_item_details"
        details = get(line, "parent", "subscription_item_details") if basil else None
        if not basil and get(line, "type") != "subscription":
            continue
        proration = bool(get(details, "proration") if basil else get(line, "proration"))
        sub = id_of(get(details, "subscription")) if basil else id_of(get(line, "subscription"))
        start, end = get(line, "period", "start"), get(line, "period", "end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        found.append(PaidLine(sub or invoice_subscription_id(invoice), line_price_id(line),
                              line_product_id(line), start, end, proration, int(get(line, "amount") or 0)))
    return found


# ---- subscription -------------------------------------------------------------------------

@dataclass(frozen=True)
class SubscriptionItem:
    """One subscription item: its price and (basil+) current period."""

    price: str | None
    product: str | None
    period_end: int | None


def subscription_items(sub: Any) -> list[SubscriptionItem]:
    """The subscription's items with their prices."""
    return [SubscriptionItem(id_of(get(i, "price")) or id_of(get(i, "plan")),
                             id_of(get(i, "price", "product")) or id_of(get(i, "plan", "product")),
                             get(i, "current_period_end"))
            for i in items(sub, "items")]


def subscription_period_end(sub: Any) -> int | None:
    """basil+: the items' `current_period_end` (latest); pre-basil: the subscription's own."""
    ends = [i.period_end for i in subscription_items(sub) if isinstance(i.period_end, int)]
    return max(ends) if ends else get(sub, "current_period_end")


def subscription_ended_at(sub: Any, fallback: int) -> int:
    """When access ends for a deleted subscription: `ended_at`, else `canceled_at`, else the event time."""
    for key in ("ended_at", "canceled_at"):
        value = get(sub, key)
        if isinstance(value, int):
            return value
    return fallback
