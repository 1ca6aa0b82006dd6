"""The guide's product rules: every product carries `accountType` and `interval` (months) metadata."""

import re
from dataclasses import dataclass
from typing import Any, Mapping

# The guide's list, spelled exactly; metadata keys and values are case-sensitive.
ACCOUNT_TYPES = ("standard", "boardroom", "classroom", "boardroomClassroom", "business", "professional", "school")
ACCOUNT_TYPE_KEY, INTERVAL_KEY = "accountType", "interval"
WHOLE_MONTHS = re.compile(r"[1-9][0-9]{0,3}")


@dataclass(frozen=True)
class Plan:
    """What a product grants: an account type for a number of months."""

    product: str
    account_type: str
    months: int


@dataclass(frozen=True)
class Invalid:
    """A product (or price) that grants nothing, and why."""

    reason: str


def _wrong_case(metadata: Mapping[str, Any], key: str) -> str:
    twins = sorted(k for k in metadata if k.lower() == key.lower() and k != key)
    return f" (found {', '.join(repr(t) for t in twins)}; keys are case-sensitive)" if twins else ""


def plan_from_metadata(product: str, metadata: Mapping[str, Any] | None) -> Plan | Invalid:
    """Check a product's metadata against the guide; a Plan, or the reason it breaks the rules."""
    metadata = dict(metadata or {})
    account_type = metadata.get(ACCOUNT_TYPE_KEY)
    if account_type is None:
        return Invalid(f"product {product}: metadata '{ACCOUNT_TYPE_KEY}' is missing"
                       f"{_wrong_case(metadata, ACCOUNT_TYPE_KEY)}")
    if account_type not in ACCOUNT_TYPES:
        return Invalid(f"product {product}: unknown accountType {account_type!r} "
                       f"(one of {', '.join(ACCOUNT_TYPES)})")
    interval = metadata.get(INTERVAL_KEY)
    if isinstance(interval, int) and not isinstance(interval, bool):
        interval = str(interval)  # Stripe stores strings; tolerate a fixture that does not
    if interval is None:
        return Invalid(f"product {product}: metadata '{INTERVAL_KEY}' is missing{_wrong_case(metadata, INTERVAL_KEY)}")
    if not isinstance(interval, str) or not WHOLE_MONTHS.fullmatch(interval):
        return Invalid(f"product {product}: interval {interval!r} is not a whole number of months")
    return Plan(product, account_type, int(interval))
