"""Version-tolerant, type-checked readers for the four events' objects (current and pre-basil places).

Every reader works on plain dicts (`event.to_dict()`) and on stripe-python `StripeObject`s, which
are not dicts since v15: they support `in` and `[]` but not `.get()`. A field that is absent reads
as None; a field that is present with the wrong type, shape or range raises `InvalidField` naming
it, so a signed but broken event is rejected (200) instead of failing on every retry (500).
"""

from dataclasses import dataclass
from typing import Any

from .errors import InvalidField
from .logs import has_control

ACCOUNT_REF_KEY = "accountRef"
MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z: the last second a date can show
MAX_ID = 190  # Stripe ids are far shorter; two of them (plus a prefix) make a fact key of at most 400
MAX_REF = 200  # the accounts.ref column
MAX_QUANTITY = 10**6
MAX_AMOUNT = 10**15  # above any amount Stripe accepts (its limit is 99,999,999.99 in most currencies)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def is_object(value: Any) -> bool:
    """A JSON object: a dict, or a StripeObject (not a dict since stripe-python v15)."""
    return isinstance(value, dict) or hasattr(value, "to_dict")


def get(obj: Any, *path: str) -> Any:
    """Follow `path` through objects; None as soon as a step is missing, InvalidField when a step is not an object."""
    for step, key in enumerate(path):
        if obj is None:
            return None
        if not is_object(obj):
            holder = path[step - 1] if step else key  # the field whose value should have been an object
            raise InvalidField(holder, f"{holder} is {_kind(obj)}, not an object")
        obj = obj.get(key) if isinstance(obj, dict) else (obj[key] if key in obj else None)
    return obj


def storable(text: str) -> bool:
    """Whether every database can store the string: no NUL, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def checked_text(value: Any, field: str, limit: int = MAX_ID) -> str | None:
    """A string field's value (None when absent or empty); InvalidField when it is not a storable string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidField(field, f"{field} is {_kind(value)}, not a string")
    if len(value) > limit:
        raise InvalidField(field, f"{field} is longer than {limit} characters")
    if not storable(value):
        raise InvalidField(field, f"{field} holds a NUL or a lone surrogate")
    if has_control(value):  # no Stripe id, type or reference has one; stored, it would reach logs and pages
        raise InvalidField(field, f"{field} holds a control character")
    return value or None


def text(obj: Any, *path: str, field: str | None = None, limit: int = MAX_ID) -> str | None:
    """The string at `path` (None when absent)."""
    return checked_text(get(obj, *path), field or path[-1], limit)


def checked_int(value: Any, field: str, low: int, high: int) -> int | None:
    """An integer field's value (None when absent); InvalidField when it is not an integer in [low, high]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(field, f"{field} is {_kind(value)}, not an integer")
    if not low <= value <= high:
        raise InvalidField(field, f"{field} {value} is outside {low}..{high}")
    return value


def timestamp(obj: Any, *path: str, field: str | None = None) -> int | None:
    """A Unix time at `path` within 1970–9999 (None when absent)."""
    value = get(obj, *path)
    name = field or path[-1]
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_TIME:
        raise InvalidField(name, f"{name} {value} is not a time between 1970 and 9999")
    return checked_int(value, name, 0, MAX_TIME)


def flag(obj: Any, *path: str) -> bool | None:
    """A boolean at `path` (None when absent)."""
    value = get(obj, *path)
    if value is not None and not isinstance(value, bool):
        raise InvalidField(path[-1], f"{path[-1]} is {_kind(value)}, not a boolean")
    return value


def id_of(value: Any, field: str = "id") -> str | None:
    """An expandable field's id: the string itself, or the expanded object's `id`."""
    if value is None or isinstance(value, str):
        return checked_text(value, field)
    if not is_object(value):
        raise InvalidField(field, f"{field} is {_kind(value)}, neither an id nor an object")
    return checked_text(get(value, "id"), field)


def items(obj: Any, *path: str) -> list:
    """The objects in the `data` list of a list object at `path` (empty when absent)."""
    field = path[-1] if path else "data"
    listing = get(obj, *path)
    if listing is None:
        return []
    if not is_object(listing):
        raise InvalidField(field, f"{field} is {_kind(listing)}, not a list object")
    found = get(listing, "data")
    if found is None:
        return []
    if not isinstance(found, list) or not all(is_object(i) for i in found):
        raise InvalidField(field, f"{field}.data is not a list of objects")
    return found


def metadata_ref(obj: Any, *path: str) -> str | None:
    """The account reference kept in a metadata hash at `path`."""
    return text(obj, *path, "metadata", ACCOUNT_REF_KEY, field="account_ref", limit=MAX_REF)


# ---- checkout.session ---------------------------------------------------------------------

def session_account_ref(session: Any) -> str | None:
    """`client_reference_id`, else the session's `metadata.accountRef`."""
    return text(session, "client_reference_id", field="account_ref", limit=MAX_REF) or metadata_ref(session)


def session_quantity(line: Any) -> int:
    """A line item's quantity (1 when absent)."""
    return checked_int(get(line, "quantity"), "quantity", 0, MAX_QUANTITY) or 1


# ---- invoice ------------------------------------------------------------------------------

def invoice_subscription_id(invoice: Any) -> str | None:
    """basil+: `parent.subscription_details.subscription`; pre-basil: `subscription`."""
    return (id_of(get(invoice, "parent", "subscription_details", "subscription"), "subscription")
            or id_of(get(invoice, "subscription"), "subscription"))


def invoice_account_ref(invoice: Any) -> str | None:
    """The subscription-metadata snapshot's reference (either shape), else the invoice's own metadata."""
    return (metadata_ref(invoice, "parent", "subscription_details")
            or metadata_ref(invoice, "subscription_details") or metadata_ref(invoice))


def invoice_is_paid(invoice: Any) -> bool:
    """`status == "paid"`; pre-basil payloads also carry the `paid` flag."""
    return text(invoice, "status") == "paid" or flag(invoice, "paid") is True


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
    return (id_of(get(line, "pricing", "price_details", "price"), "price")
            or id_of(get(line, "price"), "price") or id_of(get(line, "plan"), "plan"))


def product_of(price: Any) -> str | None:
    """The product id of an expanded price (or plan); None when the price is only its id."""
    return id_of(get(price, "product"), "product") if is_object(price) else None


def line_product_id(line: Any) -> str | None:
    """The line's product id, where the payload names it."""
    return (id_of(get(line, "pricing", "price_details", "product"), "product")
            or product_of(get(line, "price")) or product_of(get(line, "plan")))


def subscription_lines(invoice: Any) -> list[PaidLine]:
    """The invoice lines that belong to a subscription item (both shapes)."""
    found = []
    for line in items(invoice, "lines"):
        basil = text(line, "parent", "type", field="parent") == "subscription_item_details"
        details = get(line, "parent", "subscription_item_details") if basil else None
        if not basil and text(line, "type") != "subscription":
            continue
        proration = bool(flag(details, "proration") if basil else flag(line, "proration"))
        sub = id_of(get(details, "subscription"), "subscription") if basil else id_of(get(line, "subscription"),
                                                                                        "subscription")
        start, end = timestamp(line, "period", "start", field="period"), timestamp(line, "period", "end", field="period")
        amount = checked_int(get(line, "amount"), "amount", -MAX_AMOUNT, MAX_AMOUNT) or 0
        if start is None or end is None:
            continue
        if end < start:
            raise InvalidField("period", f"period ends ({end}) before it starts ({start})")
        found.append(PaidLine(sub or invoice_subscription_id(invoice), line_price_id(line),
                              line_product_id(line), start, end, proration, amount))
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
    return [SubscriptionItem(id_of(get(i, "price"), "price") or id_of(get(i, "plan"), "plan"),
                             product_of(get(i, "price")) or product_of(get(i, "plan")),
                             timestamp(i, "current_period_end"))
            for i in items(sub, "items")]


def subscription_period_end(sub: Any) -> int | None:
    """basil+: the items' `current_period_end` (latest); pre-basil: the subscription's own."""
    ends = [i.period_end for i in subscription_items(sub) if i.period_end is not None]
    return max(ends) if ends else timestamp(sub, "current_period_end")


def subscription_ended_at(sub: Any, fallback: int) -> int:
    """When access ends for a deleted subscription: `ended_at`, else `canceled_at`, else the event time."""
    for key in ("ended_at", "canceled_at"):
        value = timestamp(sub, key)
        if value is not None:
            return value
    return fallback
