"""Named starting catalogues: `empty`, and `guide` (the integration guide's products, prices and VAT rate)."""

from .catalogue import create_product, create_tax_rate
from .prices import create_price
from .state import State

SEEDS = ("empty", "guide")

# (name, accountType, interval months, USD unit amount, recurring interval, interval_count, lookup key stem)
GUIDE_PRODUCTS = (
    ("1-month Professional Account", "professional", 1, 2900, "month", 1, "professional_1m"),
    ("1-month Business Account", "business", 1, 4900, "month", 1, "business_1m"),
    ("12-month Professional Account", "professional", 12, 29000, "year", 1, "professional_12m"),
)
# Other currencies are currency_options on each USD price (amounts in minor units per USD 1.00 of price).
OTHER_CURRENCIES = {"eur": 0.93, "chf": 0.9}


def _options(usd: int) -> dict:
    # Rounded to whole units, as a price list would be: 29.00 USD -> 27.00 EUR, 26.00 CHF.
    return {code: {"unit_amount": round(usd * rate / 100) * 100} for code, rate in OTHER_CURRENCIES.items()}


def load_seed(state: State, name: str) -> dict:
    """Create a seed's objects (with their events); returns the ids of what was created."""
    if name not in SEEDS:
        raise ValueError(f"unknown seed {name!r}; choose one of {', '.join(SEEDS)}")
    if name == "empty":
        return {}
    at = state.now()
    vat = create_tax_rate(state, {"display_name": "VAT", "percentage": 7.7, "inclusive": False, "country": "CH",
                                  "jurisdiction": "CH", "tax_type": "vat", "description": "Swiss VAT 7.7 %"}, at=at)
    created: dict = {"tax_rate": vat["id"], "products": {}}
    for name_, account_type, months, amount, interval, count, key in GUIDE_PRODUCTS:
        product = create_product(state, {"name": name_, "metadata": {"accountType": account_type,
                                                                     "interval": str(months)}}, at=at)
        recurring = create_price(state, {
            "currency": "usd", "unit_amount": amount, "recurring": {"interval": interval, "interval_count": count},
            "currency_options": _options(amount), "lookup_key": f"{key}_recurring", "nickname": f"{name_} (recurring)",
        }, at=at, product_id=product["id"])
        one_time = create_price(state, {
            "currency": "usd", "unit_amount": amount, "currency_options": _options(amount),
            "lookup_key": f"{key}_one_time", "nickname": f"{name_} (one-time)",
        }, at=at, product_id=product["id"])
        product["default_price"] = recurring["id"]
        created["products"][key] = {"product": product["id"], "recurring": recurring["id"],
                                    "one_time": one_time["id"]}
    return created
