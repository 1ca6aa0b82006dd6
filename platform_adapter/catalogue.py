"""What a product grants under the guide's rules (`product_rules`): an account type for some months."""

from dataclasses import dataclass
from typing import Any, Mapping

from .product_rules import metadata_problems


@dataclass(frozen=True)
class Plan:
    """What a product grants: an account type for a number of months."""

    product: str
    account_type: str
    months: int


@dataclass(frozen=True)
class Invalid:
    """A product (or price) that grants nothing, why, and the rejected outcome's code (docs/conformance-contract.md)."""

    reason: str
    code: str = "product_invalid"


def plan_from_metadata(product: str, metadata: Mapping[str, Any] | None) -> Plan | Invalid:
    """A Plan from the product's `accountType` and `interval` metadata, or every rule it breaks."""
    account_type, months, problems = metadata_problems(dict(metadata or {}))
    if problems or account_type is None or months is None:
        text = "; ".join(p.message for p in problems) or "no accountType/interval metadata"
        return Invalid(f"product {product}: {text}", "product_invalid")
    return Plan(product, account_type, months)
