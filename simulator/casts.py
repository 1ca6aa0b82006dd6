"""Who and what a story is about: the customer, the account reference, the plans and the tax rate."""

from dataclasses import dataclass

from .errors import InvalidOption


ACCOUNT_TYPE_NAMES = {
    "standard": "Standard", "boardroom": "Boardroom", "classroom": "Classroom",
    "boardroomClassroom": "Boardroom Classroom", "business": "Business",
    "professional": "Professional", "school": "School",
}


@dataclass
class PricedProduct:
    """One product and its prices; ids left None are made by the engine when first needed."""

    product_name: str
    currency: str = "usd"
    unit_amount: int = 2900
    months: int = 1
    product_id: str | None = None
    recurring_price_id: str | None = None
    one_time_price_id: str | None = None
    account_type: str = "professional"
    created: int | None = None  # kept for callers that pass it; the engine dates its own objects

    def price_id(self, recurring: bool) -> str | None:
        """The id of the recurring or the one-time price."""
        return self.recurring_price_id if recurring else self.one_time_price_id


def invent_plan(*, account_type: str = "professional", months: int = 1, currency: str = "usd",
                amount: int = 2900, price: str | None = None, product: str | None = None) -> PricedProduct:
    """A plan named like the guide's products; `price`/`product` name existing catalogue objects."""
    if months < 1:
        raise InvalidOption(f"--interval-months must be a positive whole number, got {months}")
    if amount < 0:
        raise InvalidOption(f"--amount must be >= 0 minor units, got {amount}")
    if account_type not in ACCOUNT_TYPE_NAMES:
        raise InvalidOption(f"unknown account type {account_type!r}")
    return PricedProduct(product_name=f"{months}-month {ACCOUNT_TYPE_NAMES[account_type]} Account",
                         currency=currency.lower(), unit_amount=amount, months=months, product_id=product,
                         recurring_price_id=price, one_time_price_id=price, account_type=account_type)


@dataclass
class Cast:
    """Who and what a story is about; saved with the engine's state in a world file."""

    seed: str
    start: int
    email: str
    plan: PricedProduct
    new_plan: PricedProduct
    account: str | None = None
    customer_name: str | None = "Jane Doe"
    tax_percentage: float | None = 7.7
    tax_inclusive: bool = False
    tax_rate_id: str | None = None
    customer: str | None = None
    subscription: str | None = None
    # A Checkout Session made through the Stripe API, used by the next purchase so that a platform can list
    # its line items (they never travel in the webhook).
    checkout_session: str | None = None

    def metadata(self) -> dict:
        """The account reference every object of a purchase carries."""
        return {"accountRef": self.account} if self.account else {}


def new_cast(*, seed: str | int = "simplex", start: int, email: str = "jane@example.com",
             account: str | None = None, account_type: str = "professional", new_account_type: str = "business",
             interval_months: int = 1, new_interval_months: int | None = None, currency: str = "usd",
             amount: int = 2900, new_amount: int | None = None, price: str | None = None,
             product: str | None = None, new_price: str | None = None, new_product: str | None = None,
             tax_rate: float | None = 7.7, tax_inclusive: bool = False) -> Cast:
    """Who and what: the guide's 29.00 USD monthly Professional plan and VAT 7.7 % exclusive by default."""
    if tax_rate is not None and tax_rate < 0:
        raise InvalidOption(f"--tax-rate must be >= 0, got {tax_rate}")
    plan = invent_plan(account_type=account_type, months=interval_months, currency=currency, amount=amount,
                       price=price, product=product)
    new_plan = invent_plan(account_type=new_account_type, months=new_interval_months or interval_months,
                           currency=currency, amount=new_amount if new_amount is not None else amount * 2,
                           price=new_price, product=new_product)
    return Cast(seed=str(seed), start=start, email=email, plan=plan, new_plan=new_plan, account=account,
                tax_percentage=tax_rate or None, tax_inclusive=tax_inclusive)
