"""The simulated world that sequences share: customer, catalogue, subscription, clock and ids."""

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import InvalidOption, WorldStateError
from .ids import IdFactory
from .objects.catalog import price_object, recurring_for_months, tax_rate_object
from .periods import period


@dataclass
class Plan:
    """One product and its prices, as the events reference them."""

    product_id: str
    product_name: str
    currency: str
    unit_amount: int
    months: int
    recurring_price_id: str
    one_time_price_id: str
    created: int

    def price(self, recurring: bool, tax_behavior: str = "unspecified") -> dict:
        """The full `price` object the events embed."""
        return price_object(
            id=self.recurring_price_id if recurring else self.one_time_price_id,
            product=self.product_id, currency=self.currency, unit_amount=self.unit_amount,
            created=self.created, recurring=recurring_for_months(self.months) if recurring else None,
            tax_behavior=tax_behavior)


@dataclass
class TaxSpec:
    """The tax rate applied to every purchase (the guide: VAT 7.7 %, exclusive)."""

    id: str
    percentage: float
    inclusive: bool
    created: int

    def tax_rate(self) -> dict:
        """The full `tax_rate` object."""
        return tax_rate_object(id=self.id, percentage=self.percentage, inclusive=self.inclusive,
                               created=self.created, display_name="VAT")


@dataclass
class SubscriptionState:
    """What the simulated Stripe knows about the customer's subscription."""

    id: str
    item_id: str
    plan: Plan
    anchor: int
    cycle: int
    status: str
    created: int
    start_date: int
    latest_invoice: str | None = None
    metadata: dict = field(default_factory=dict)
    payment_method: str | None = None
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    canceled_at: int | None = None
    ended_at: int | None = None
    cancellation_reason: str | None = None

    @property
    def period(self) -> tuple[int, int]:
        """The current billing period (start, end)."""
        return period(self.anchor, self.cycle, self.plan.months)

    @property
    def ended(self) -> bool:
        """Whether the subscription is over."""
        return self.status in ("canceled", "incomplete_expired")


@dataclass
class World:
    """Everything a run of sequences shares; saved with --world to tell one story over several commands."""

    seed: str
    now: int
    email: str
    plan: Plan
    new_plan: Plan
    account: str | None = None
    customer_id: str | None = None
    customer_name: str | None = "Jane Doe"
    tax: TaxSpec | None = None
    subscription: SubscriptionState | None = None
    counter: int = 0
    invoice_seq: int = 0
    # A Checkout Session created through the Stripe API, used by the next purchase so that a platform
    # can list its line items (they never travel in the webhook).
    checkout_session: str | None = None

    @property
    def ids(self) -> IdFactory:
        """An id factory that writes its counter back to the world."""
        return _WorldIds(self)

    def require_subscription(self, sequence: str) -> SubscriptionState:
        """The live subscription, or a clear error naming what must come first."""
        sub = self.subscription
        if sub is None or sub.ended:
            raise WorldStateError(
                f"{sequence!r} needs a live subscription; fire 'first-purchase' first (with --world to keep it)")
        return sub

    def next_session_id(self) -> str:
        """The given Checkout Session id (once), else a fresh one."""
        session, self.checkout_session = self.checkout_session, None
        return session or self.ids.new("cs_test")

    def metadata(self) -> dict:
        """The account reference metadata every object of a purchase carries."""
        return {"accountRef": self.account} if self.account else {}

    def to_json(self) -> str:
        """Serialise the world."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "World":
        """Rebuild a world saved by `to_json`."""
        raw = json.loads(text)
        raw["plan"], raw["new_plan"] = Plan(**raw["plan"]), Plan(**raw["new_plan"])
        raw["tax"] = TaxSpec(**raw["tax"]) if raw.get("tax") else None
        if raw.get("subscription"):
            sub = raw["subscription"]
            sub["plan"] = Plan(**sub["plan"])
            raw["subscription"] = SubscriptionState(**sub)
        return cls(**raw)


class _WorldIds(IdFactory):
    def __init__(self, world: World) -> None:
        super().__init__(world.seed, world.counter)
        self._world = world

    def new(self, prefix: str) -> str:
        value = super().new(prefix)
        self._world.counter = self.counter
        return value

    def token(self, length: int = 32) -> str:
        value = super().token(length)
        self._world.counter = self.counter
        return value


ACCOUNT_TYPE_NAMES = {
    "standard": "Standard", "boardroom": "Boardroom", "classroom": "Classroom",
    "boardroomClassroom": "Boardroom Classroom", "business": "Business",
    "professional": "Professional", "school": "School",
}


def invent_plan(ids: IdFactory, *, account_type: str, months: int, currency: str, amount: int,
                created: int, price: str | None = None, product: str | None = None) -> Plan:
    """A plan with the given ids, or invented consistent ones."""
    if months < 1:
        raise InvalidOption(f"--interval-months must be a positive whole number, got {months}")
    if amount < 0:
        raise InvalidOption(f"--amount must be >= 0 minor units, got {amount}")
    name = f"{months}-month {ACCOUNT_TYPE_NAMES[account_type]} Account"
    return Plan(product_id=product or ids.new("prod"), product_name=name, currency=currency.lower(),
                unit_amount=amount, months=months, recurring_price_id=price or ids.new("price"),
                one_time_price_id=price or ids.new("price"), created=created - 86400)


def load_world(path: str | os.PathLike) -> World | None:
    """Read a saved world, or None when the file does not exist yet."""
    p = Path(path)
    if not p.exists():
        return None
    try:
        return World.from_json(p.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidOption(f"--world {p}: not a simulator world file ({exc})") from exc


def save_world(world: World, path: str | os.PathLike) -> None:
    """Write the world atomically, so an interrupted run never leaves half a file."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent or ".", prefix=f".{p.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(world.to_json())
    os.replace(tmp, p)


def new_world(*, seed: str | int = "simplex", start: int, email: str = "jane@example.com",
              account: str | None = None, account_type: str = "professional",
              new_account_type: str = "business", interval_months: int = 1,
              new_interval_months: int | None = None, currency: str = "usd", amount: int = 2900,
              new_amount: int | None = None, price: str | None = None, product: str | None = None,
              new_price: str | None = None, new_product: str | None = None,
              tax_rate: float | None = 7.7, tax_inclusive: bool = False) -> World:
    """A fresh world: the guide's 29.00 USD monthly Professional plan and VAT 7.7 % exclusive by default."""
    world = World(seed=str(seed), now=start, email=email, account=account, plan=None, new_plan=None)  # type: ignore[arg-type]
    ids = world.ids
    world.plan = invent_plan(ids, account_type=account_type, months=interval_months, currency=currency,
                             amount=amount, created=start, price=price, product=product)
    world.new_plan = invent_plan(ids, account_type=new_account_type,
                                 months=new_interval_months or interval_months, currency=currency,
                                 amount=new_amount if new_amount is not None else amount * 2,
                                 created=start, price=new_price, product=new_product)
    if tax_rate is not None and tax_rate < 0:
        raise InvalidOption(f"--tax-rate must be >= 0, got {tax_rate}")
    if tax_rate:
        world.tax = TaxSpec(id=ids.new("txr"), percentage=tax_rate, inclusive=tax_inclusive,
                            created=start - 86400)
    return world
