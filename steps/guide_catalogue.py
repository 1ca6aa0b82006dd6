"""The guide's example products in the target's Stripe account: found by lookup key, created when missing."""

from dataclasses import dataclass

import stripe

# (key, name, accountType, months, USD amount, recurring interval, interval_count)
GUIDE_PLANS = (
    ("professional_1m", "1-month Professional Account", "professional", 1, 2900, "month", 1),
    ("business_1m", "1-month Business Account", "business", 1, 4900, "month", 1),
    ("professional_12m", "12-month Professional Account", "professional", 12, 29000, "year", 1),
)
# How features name the plans.
PLAN_NAMES = {"1-month Professional": "professional_1m", "1-month Business": "business_1m",
              "12-month Professional": "professional_12m"}


@dataclass(frozen=True)
class GuidePlan:
    """One guide product and its USD prices."""

    key: str
    name: str
    account_type: str
    months: int
    product: str
    recurring_price: str
    one_time_price: str
    amount: int
    currency: str = "usd"


def _find(client: stripe.StripeClient, lookup_key: str):
    found = client.v1.prices.list({"lookup_keys": [lookup_key], "active": True, "limit": 1}).data
    return found[0] if found else None


def _create(client: stripe.StripeClient, spec: tuple) -> GuidePlan:
    key, name, account_type, months, amount, interval, count = spec
    product = client.v1.products.create({"name": name, "metadata": {"accountType": account_type,
                                                                   "interval": str(months)}})
    recurring = client.v1.prices.create({
        "product": product.id, "currency": "usd", "unit_amount": amount, "lookup_key": f"{key}_recurring",
        "recurring": {"interval": interval, "interval_count": count}})
    one_time = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": amount,
                                        "lookup_key": f"{key}_one_time"})
    return GuidePlan(key, name, account_type, months, product.id, recurring.id, one_time.id, amount)


def ensure_guide_catalogue(client: stripe.StripeClient) -> dict[str, GuidePlan]:
    """Each guide plan, reusing existing prices with the guide's lookup keys."""
    plans = {}
    for spec in GUIDE_PLANS:
        key, name, account_type, months, amount = spec[:5]
        recurring, one_time = _find(client, f"{key}_recurring"), _find(client, f"{key}_one_time")
        if recurring is None or one_time is None:
            plans[key] = _create(client, spec)
            continue
        product = recurring.product if isinstance(recurring.product, str) else recurring.product.id
        plans[key] = GuidePlan(key, name, account_type, months, product, recurring.id, one_time.id,
                               recurring.unit_amount or amount)
    return plans
