"""Products, prices and tax rates."""

from decimal import Decimal


def product_object(*, id: str, name: str, created: int, metadata: dict | None = None,
                   default_price: str | dict | None = None, active: bool = True,
                   description: str | None = None, images: list | None = None,
                   tax_code: str | None = None, updated: int | None = None) -> dict:
    """A `product`."""
    return {
        "id": id, "object": "product", "active": active, "created": created,
        "default_price": default_price, "description": description, "images": images or [],
        "livemode": False, "marketing_features": [], "metadata": dict(metadata or {}), "name": name,
        "package_dimensions": None, "shippable": None, "statement_descriptor": None,
        "tax_code": tax_code, "unit_label": None,
        "updated": updated if updated is not None else created, "url": None,
    }


def recurring(interval: str, interval_count: int, usage_type: str = "licensed") -> dict:
    """A price's `recurring` hash."""
    return {"interval": interval, "interval_count": interval_count, "meter": None,
            "usage_type": usage_type}


def price_object(*, id: str, product: str | dict, currency: str, unit_amount: int | None, created: int,
                 recurring: dict | None = None, tax_behavior: str = "unspecified",
                 billing_scheme: str = "per_unit", active: bool = True, metadata: dict | None = None,
                 lookup_key: str | None = None, nickname: str | None = None, tiers_mode: str | None = None,
                 transform_quantity: dict | None = None, custom_unit_amount: dict | None = None) -> dict:
    """A `price` (one-time when `recurring` is None)."""
    return {
        "id": id, "object": "price", "active": active, "billing_scheme": billing_scheme,
        "created": created, "currency": currency.lower(), "custom_unit_amount": custom_unit_amount,
        "livemode": False, "lookup_key": lookup_key, "metadata": dict(metadata or {}),
        "nickname": nickname, "product": product, "recurring": recurring,
        "tax_behavior": tax_behavior, "tiers_mode": tiers_mode, "transform_quantity": transform_quantity,
        "type": "recurring" if recurring else "one_time", "unit_amount": unit_amount,
        "unit_amount_decimal": None if unit_amount is None else str(Decimal(unit_amount)),
    }


def tax_rate_object(*, id: str, percentage: float, inclusive: bool, created: int,
                    display_name: str = "VAT", active: bool = True, country: str | None = None,
                    description: str | None = None, jurisdiction: str | None = None,
                    state: str | None = None, tax_type: str | None = "vat",
                    metadata: dict | None = None) -> dict:
    """A `tax_rate`."""
    return {
        "id": id, "object": "tax_rate", "active": active, "country": country, "created": created,
        "description": description, "display_name": display_name, "effective_percentage": percentage,
        "flat_amount": None, "inclusive": inclusive, "jurisdiction": jurisdiction,
        "jurisdiction_level": None, "livemode": False, "metadata": dict(metadata or {}),
        "percentage": percentage, "rate_type": "percentage", "state": state, "tax_type": tax_type,
    }
