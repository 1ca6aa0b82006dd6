"""The guide's catalogue rules as pure functions over product and price dicts (`StripeObject.to_dict()`), and what
a product grants under them (a `Plan`: an account type for some months)."""

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

ACCOUNT_TYPES = ("standard", "boardroom", "classroom", "boardroomClassroom", "business", "professional", "school")
METADATA_KEYS = ("accountType", "interval")
MONTHS_PER_UNIT = {"month": 1, "year": 12}  # day and week have no exact month equivalent
WHOLE_POSITIVE = re.compile(r"^[1-9][0-9]*$")
MISSING = {"accountType": "account_type_missing", "interval": "interval_missing"}


@dataclass(frozen=True)
class Problem:
    """One broken rule: a stable machine-readable `code` (docs/conformance-contract.md) and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class PriceView:
    """One price as the loader shows it, with what is wrong with it."""

    id: str
    currency: str
    unit_amount: int | None
    recurring: bool
    period: str
    problems: tuple[str, ...] = ()
    # Other currencies the price can be paid in (Stripe's `currency_options`), as (currency, unit_amount).
    currency_options: tuple[tuple[str, int | None], ...] = ()
    codes: tuple[str, ...] = ()  # the code of each of `problems`, in the same order


@dataclass(frozen=True)
class ProductCheck:
    """One product, its prices, and every rule it breaks."""

    id: str
    name: str
    account_type: str | None
    interval: int | None
    prices: tuple[PriceView, ...]
    problems: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()  # the code of each of `problems`, in the same order
    account_type_raw: str | None = None  # the metadata value as written, shown when it is not valid
    interval_raw: str | None = None

    @property
    def valid(self) -> bool:
        """Offered to customers only when no rule is broken."""
        return not self.problems and all(not p.problems for p in self.prices)

    def all_problems(self) -> list[str]:
        """Product problems, then each price's, prefixed with the price id."""
        return [*self.problems, *(f"{p.id}: {msg}" for p in self.prices for msg in p.problems)]

    def all_codes(self) -> list[str]:
        """The code of each of `all_problems()`, in the same order."""
        return [*self.codes, *(code for p in self.prices for code in p.codes)]


@dataclass
class CatalogueReport:
    """The loader's verdict on a whole catalogue."""

    products: list[ProductCheck] = field(default_factory=list)

    @property
    def offered(self) -> list[ProductCheck]:
        """The valid products, which customers may buy."""
        return [p for p in self.products if p.valid]

    @property
    def ok(self) -> bool:
        """Whether every product follows the rules."""
        return all(p.valid for p in self.products)


def _misspelled(metadata: dict, key: str) -> str | None:
    return next((k for k in metadata if k != key and k.lower() == key.lower()), None)


def metadata_problems(metadata: dict | None) -> tuple[str | None, int | None, list[Problem]]:
    """Read `accountType` and `interval` (exact spelling); return them with what is wrong."""
    metadata = metadata or {}
    problems: list[Problem] = []
    for key in METADATA_KEYS:
        if key not in metadata:
            wrong = _misspelled(metadata, key)
            problems.append(Problem("metadata_key_case", f"metadata key {wrong!r} must be spelled exactly {key!r} "
                                    "(keys are case-sensitive)") if wrong else
                            Problem(MISSING[key], f"metadata {key!r} is missing"))
    account_type, interval = metadata.get("accountType"), metadata.get("interval")
    if account_type is not None and account_type not in ACCOUNT_TYPES:
        hint = next((t for t in ACCOUNT_TYPES if t.lower() == str(account_type).lower()), None)
        problems.append(Problem("account_type_case" if hint else "account_type_unknown",
                                f"accountType {account_type!r} is not one of {', '.join(ACCOUNT_TYPES)}"
                                + (f" (values are case-sensitive: use {hint!r})" if hint else "")))
        account_type = None
    months = None
    if interval is not None:
        if WHOLE_POSITIVE.match(str(interval)):
            months = int(interval)
        else:
            problems.append(Problem("interval_not_whole",
                                    f"interval {interval!r} must be a positive whole number of months (e.g. '1' or '12')"))
    return account_type, months, problems


def price_months(price: dict) -> int | None:
    """A recurring price's period in months (None for one-time, day or week periods)."""
    rec = price.get("recurring")
    if not rec:
        return None
    unit = MONTHS_PER_UNIT.get(rec.get("interval"))
    return None if unit is None else unit * int(rec.get("interval_count") or 1)


def period_label(price: dict) -> str:
    """'one-time', 'monthly', 'every 12 months', 'yearly', 'every 2 weeks'…"""
    rec = price.get("recurring")
    if not rec:
        return "one-time"
    count, unit = int(rec.get("interval_count") or 1), rec.get("interval")
    if count == 1:
        return {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}.get(unit, unit)
    return f"every {count} {unit}s"


def price_problems(price: dict, months: int | None) -> list[Problem]:
    """What breaks Standard pricing, or the product's interval, on one price."""
    problems = []
    if price.get("billing_scheme", "per_unit") != "per_unit":
        problems.append(Problem("pricing_not_standard", f"pricing model is {price.get('billing_scheme')!r}; "
                                "the guide requires Standard pricing (per unit)"))
    rec = price.get("recurring") or {}
    if rec.get("usage_type") == "metered":
        problems.append(Problem("usage_metered",
                                "usage is metered; the guide requires Standard pricing (licensed, not metered)"))
    if price.get("transform_quantity"):
        problems.append(Problem("package_pricing",
                                "package pricing (transform_quantity); the guide requires Standard pricing"))
    if price.get("custom_unit_amount"):
        problems.append(Problem("custom_amount", "customer chooses the price (custom_unit_amount); "
                                "the guide requires Standard pricing"))
    if rec and months is not None and price_months(price) != months:
        problems.append(Problem("billing_period_mismatch", f"billing period is {period_label(price)} but the "
                                f"product's interval is {months} month(s); use month×{months}"
                                + (f" or year×{months // 12}" if months % 12 == 0 else "")))
    return problems


def other_currencies(price: dict) -> tuple[tuple[str, int | None], ...]:
    """The price's `currency_options` (when expanded) other than its own currency, sorted."""
    options = price.get("currency_options") or {}
    return tuple(sorted((code, (option or {}).get("unit_amount")) for code, option in options.items()
                        if code != price.get("currency")))


def check_product(product: dict, prices: list[dict]) -> ProductCheck:
    """Apply every per-product rule of the guide."""
    account_type, months, problems = metadata_problems(product.get("metadata"))
    active = [p for p in prices if p.get("active", True)]
    if not active:
        problems.append(Problem("no_active_price", "no active price: customers would have nothing to buy"))
    views = tuple(_price_view(p, price_problems(p, months)) for p in active)
    return ProductCheck(id=product["id"], name=product.get("name", ""), account_type=account_type,
                        interval=months, prices=views, problems=tuple(p.message for p in problems),
                        codes=tuple(p.code for p in problems),
                        account_type_raw=raw_value(product.get("metadata"), "accountType"),
                        interval_raw=raw_value(product.get("metadata"), "interval"))


def _price_view(price: dict, problems: list[Problem]) -> PriceView:
    return PriceView(id=price["id"], currency=price.get("currency", ""), unit_amount=price.get("unit_amount"),
                     recurring=bool(price.get("recurring")), period=period_label(price),
                     problems=tuple(p.message for p in problems), currency_options=other_currencies(price),
                     codes=tuple(p.code for p in problems))


def duplicate_order(product: dict) -> tuple:
    """Which of two products for one account type and interval is kept: the older by `created`, then the smaller id.

    Both are in Stripe's product object, so any platform computes the same answer (the contract states it).
    """
    return product.get("created", 0), product["id"]


def raw_value(metadata, key: str) -> str | None:
    """The value under `key`, or under a wrongly cased spelling of it, as written (for the admin table)."""
    metadata = dict(metadata or {})
    if key in metadata:
        return str(metadata[key])
    return next((str(v) for k, v in metadata.items() if k.lower() == key.lower()), None)


def check_catalogue(products: list[dict], prices_by_product: dict[str, list[dict]]) -> CatalogueReport:
    """Check every active product, oldest first; a later product for one account type and interval is a duplicate."""
    report, first_of = CatalogueReport(), {}
    for product in sorted(products, key=duplicate_order):
        if not product.get("active", True):
            continue
        check = check_product(product, prices_by_product.get(product["id"], []))
        key = (check.account_type, check.interval)
        if None not in key:
            if key in first_of:
                check = replace(check, problems=(*check.problems, (
                    f"duplicate of {first_of[key]}: one product per account type and interval "
                    f"({key[0]}, {key[1]} month(s))")), codes=(*check.codes, "duplicate_product"))
            else:
                first_of[key] = check.id
        report.products.append(check)
    return report


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
