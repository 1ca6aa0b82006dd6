"""Stories told in-process: named sequences as scripts of Stripe API actions, on the fake Stripe's engine.

A `Story` is one customer of one Stripe account. Each sequence (`first-purchase`, `renewal`, …; named in
`story_names`, with their aliases, as `record`'s scripts are) is a short script of what the platform, the
customer and time do — create a Checkout Session, pay it, let the period end, change the price, cancel — and
the events it fires are exactly the events the engine makes for those actions, with the engine's objects, ids
and timestamps. Nothing here builds an event by hand.

    story = new_story(seed="demo", start=1769853600, account="acct-42")
    events = story.run(["first-purchase", "renewal"], version="2026-10-28.endive")

The engine runs in-process on a virtual clock (`InProcess`), or is a running fake Stripe (`OverHttp`), so
a platform that calls back to Stripe finds every object the events name.
"""

from dataclasses import dataclass
from functools import cache
from typing import Callable

from .backends import Backend, InProcess, OnTestClock, OverHttp
from .casts import Cast, PricedProduct, new_cast
from .errors import InvalidOption, WorldStateError
from .engine.billing import DAY, FINALIZE_DELAY, LIVE, RETRY_DAYS
from .sepa import SETTLE_DELAY
from .story_names import canonical
from .versions import CURRENT

SUCCESS_URL = "https://meeting.example.com/account/settings?checkout=success&session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://meeting.example.com/account/settings?checkout=cancel"
FAILING_CARD = "4000000000000341"  # attaches, then every charge on it is declined
UNDO_AFTER = 60  # seconds between scheduling a cancellation and undoing it

class Story:
    """One customer's story on one engine: run sequences, get the engine's events in any API version."""

    def __init__(self, cast: Cast, backend: Backend) -> None:
        self.cast, self.backend = cast, backend
        # Events of catalogue set-up (prices and tax rates the story makes when first needed) are not part of
        # the story: the catalogue exists before the customer arrives.
        self._setup: set[str] = set()
        # Ids of the sessions and payments this story made: on a shared fake Stripe other customers live too.
        self._own: set[str] = set()

    # ---- what callers read and set ------------------------------------------------------------
    @property
    def now(self) -> int:
        """The engine's clock."""
        return self.backend.now()

    @property
    def plan(self) -> PricedProduct:
        """What the customer buys next."""
        return self.cast.plan

    @plan.setter
    def plan(self, plan: PricedProduct) -> None:
        self.cast.plan = plan

    @property
    def new_plan(self) -> PricedProduct:
        """What a plan change switches to."""
        return self.cast.new_plan

    @new_plan.setter
    def new_plan(self, plan: PricedProduct) -> None:
        self.cast.new_plan = plan

    @property
    def checkout_session(self) -> str | None:
        """The Checkout Session id the next purchase uses."""
        return self.cast.checkout_session

    @checkout_session.setter
    def checkout_session(self, session_id: str | None) -> None:
        self.cast.checkout_session = session_id

    # ---- running ----------------------------------------------------------------------------
    def run(self, names: list, version: str = CURRENT, *, at: int | None = None) -> list[dict]:
        """Tell the named sequences (or Sequence objects) in order, from `at` if later than now; return their
        events in `version`."""
        # Unknown names fail before anything runs.
        sequences = [name if isinstance(name, Sequence) else get_sequence(name) for name in names]
        self.backend.only_shape(version)
        mark = self.backend.mark()
        if at is not None:
            self.advance(at)
        for sequence in sequences:
            sequence.script(self)
        events = [e for e in self.backend.events_since(mark, version) if e["id"] not in self._setup]
        if isinstance(self.backend, OverHttp):
            events = [e for e in events if self._is_mine(e["data"]["object"])]
        return events

    def _is_mine(self, obj: dict) -> bool:
        """Whether an object belongs to this story's customer or to a purchase it made."""
        customer = self.cast.customer
        if customer is not None and customer in (obj.get("id"), obj.get("customer")):
            return True
        return bool(self._own & {obj.get("id"), obj.get("payment_intent")})

    def _quietly(self, make: Callable[[], str]) -> str:
        """Make catalogue objects, remembering their events as set-up."""
        mark = self.backend.mark()
        made = make()
        self._setup.update(e["id"] for e in self.backend.events_since(mark, CURRENT))
        return made

    def advance(self, to: int) -> None:
        """Let time pass until `to`: whatever falls due (renewals, retries, settlements) happens."""
        self.backend.advance(to)

    # ---- catalogue --------------------------------------------------------------------------
    def price(self, plan: PricedProduct, recurring: bool) -> str:
        """The plan's recurring or one-time price in the engine, made there first if it is not."""
        wanted, remote = plan.price_id(recurring), isinstance(self.backend, OverHttp)
        kind = self.backend.price_kind(wanted) if wanted is not None else None
        if kind is not None:
            if kind == recurring:
                return wanted
            if remote:
                raise InvalidOption(f"price {wanted} is not a {'recurring' if recurring else 'one-time'} price")
            wanted = None  # one given id serves one kind only: the other kind gets a price of its own
        elif wanted is not None and remote:
            raise InvalidOption(f"price {wanted} does not exist at {self.backend.base}")
        product = {"name": plan.product_name, "metadata": {"accountType": plan.account_type,
                                                           "interval": str(plan.months)}}
        data = {"currency": plan.currency, "unit_amount": plan.unit_amount}
        if recurring:
            yearly = plan.months % 12 == 0
            data["recurring"] = {"interval": "year" if yearly else "month",
                                 "interval_count": plan.months // 12 if yearly else plan.months}
        plan.product_id, price_id = self._quietly(lambda: self.backend.catalogue(
            product_id=plan.product_id, product=product, price=data, price_id=wanted))
        setattr(plan, "recurring_price_id" if recurring else "one_time_price_id", price_id)
        return price_id

    def tax_rates(self) -> list[str]:
        """The tax rate every line carries (made once), or none."""
        cast = self.cast
        if not cast.tax_percentage:
            return []
        if cast.tax_rate_id is None:
            cast.tax_rate_id = self._quietly(lambda: self.backend.tax_rate(cast.tax_percentage, cast.tax_inclusive))
        return [cast.tax_rate_id]

    # ---- actions ----------------------------------------------------------------------------
    def subscription(self) -> dict | None:
        """The customer's subscription as the API shows it (current shape), or None."""
        if self.cast.subscription is None:
            return None
        return self.backend.request("GET", f"/v1/subscriptions/{self.cast.subscription}")

    def live_subscription(self, sequence: str) -> dict:
        """The live subscription, or a clear error naming what must come first."""
        sub = self.subscription()
        if sub is None or sub["status"] not in LIVE:
            raise WorldStateError(f"{sequence!r} needs a live subscription; fire 'first-purchase' first "
                                  "(with --world to keep it)")
        return sub

    def checkout(self, mode: str, price: str, *, invoice: bool = False, method: str = "card") -> dict:
        """The customer buys one unit of `price` through Checkout and pays on the hosted page."""
        cast = self.cast
        session = self.open_session(mode, price, invoice=invoice)
        done = self.backend.complete_session(session["id"], method=method)
        self._own.update(i for i in (done["id"], done.get("payment_intent")) if i)
        cast.customer = done["customer"] or cast.customer
        if done.get("subscription"):
            cast.subscription = done["subscription"]
        return done

    def open_session(self, mode: str, price: str, *, invoice: bool = False) -> dict:
        """A Checkout Session for one unit of `price`, as the platform creates it; not paid yet."""
        cast = self.cast
        params: dict = {"mode": mode, "line_items": [{"price": price, "quantity": 1, "tax_rates": self.tax_rates()}],
                        "success_url": SUCCESS_URL, "cancel_url": CANCEL_URL, "metadata": cast.metadata()}
        if cast.account:
            params["client_reference_id"] = cast.account
        if cast.customer is None and isinstance(self.backend, OnTestClock):
            details = {"email": cast.email, "name": cast.customer_name, "metadata": cast.metadata()}
            cast.customer = self.backend.new_customer({k: v for k, v in details.items() if v})
        if cast.customer:
            params["customer"] = cast.customer
        else:
            params["customer_email"] = cast.email
        data = {"metadata": cast.metadata()}
        params["subscription_data" if mode == "subscription" else "payment_intent_data"] = data
        if invoice:
            params["invoice_creation"] = {"enabled": True}
        return self._session(params)

    def _session(self, params: dict) -> dict:
        given, self.cast.checkout_session = self.cast.checkout_session, None
        if given is not None and isinstance(self.backend, OverHttp):
            return self.backend.request("GET", f"/v1/checkout/sessions/{given}")
        session = self.backend.request("POST", "/v1/checkout/sessions", params)
        if given is not None:
            self.backend.adopt_session_id(session["id"], given)
            session["id"] = given
        return session

    def update_subscription(self, params: dict) -> dict:
        """`POST /v1/subscriptions/{id}` on the customer's subscription."""
        return self.backend.request("POST", f"/v1/subscriptions/{self.cast.subscription}", params)

    def period_end(self, sub: dict) -> int:
        """When the subscription's current period ends."""
        return sub["items"]["data"][0]["current_period_end"]


# ---- the sequences -----------------------------------------------------------------------------
def first_purchase(story: Story) -> None:
    """Checkout in subscription mode: the customer subscribes and pays the first invoice."""
    sub = story.subscription()
    if sub is not None and sub["status"] in LIVE:
        raise WorldStateError("the customer already has a live subscription; fire 'plan-change' or 'cancellation'")
    story.checkout("subscription", story.price(story.plan, recurring=True))


def one_time_purchase(story: Story) -> None:
    """Checkout in payment mode: one payment, no invoice (Stripe's default)."""
    story.checkout("payment", story.price(story.plan, recurring=False))


def invoiced_one_time_purchase(story: Story) -> None:
    """Checkout in payment mode with invoice creation: a paid `manual` invoice too."""
    story.checkout("payment", story.price(story.plan, recurring=False), invoice=True)


def delayed_one_time_purchase(story: Story) -> None:
    """Payment mode with a delayed method (SEPA debit): completed unpaid, paid when the debit settles."""
    story.checkout("payment", story.price(story.plan, recurring=False), method="sepa_debit")
    story.advance(story.now + SETTLE_DELAY)


def renewal(story: Story) -> None:
    """The period ends: the cycle invoice is drafted, then finalized and paid an hour later."""
    sub = _renewing(story, "renewal")
    story.advance(story.period_end(sub) + FINALIZE_DELAY)


def failed_renewal(story: Story) -> None:
    """The card starts failing: the renewal and its retries fail; past_due, then canceled."""
    sub = _renewing(story, "failed-renewal")
    story.backend.set_card(story.cast.customer, FAILING_CARD)
    story.advance(story.period_end(sub) + FINALIZE_DELAY + RETRY_DAYS[-1] * DAY)


def plan_change(story: Story) -> None:
    """Switch to the new plan's price: same interval prorates on the next invoice, another one invoices now."""
    sub = story.live_subscription("plan-change")
    price = story.price(story.new_plan, recurring=True)
    story.update_subscription({"items": [{"id": sub["items"]["data"][0]["id"], "price": price}]})
    story.plan, story.new_plan = story.new_plan, story.plan


def cancellation(story: Story) -> None:
    """Cancel at period end: access continues; the subscription is deleted when the period ends."""
    sub = _schedule_cancel(story, "cancellation")
    story.advance(story.period_end(sub))


def cancel_undo(story: Story) -> None:
    """Cancel at period end, then change one's mind: auto-renewal is back."""
    _schedule_cancel(story, "cancel-undo")
    story.advance(story.now + UNDO_AFTER)
    story.update_subscription({"cancel_at_period_end": False})


def cancel_now(story: Story) -> None:
    """Cancel immediately: the subscription is deleted at once."""
    story.live_subscription("cancel-now")
    story.backend.request("DELETE", f"/v1/subscriptions/{story.cast.subscription}")


def _renewing(story: Story, name: str) -> dict:
    sub = story.live_subscription(name)
    if sub["cancel_at_period_end"]:
        raise WorldStateError(f"{name!r}: the subscription cancels at period end; it will not renew")
    return sub


def _schedule_cancel(story: Story, name: str) -> dict:
    sub = story.live_subscription(name)
    if sub["cancel_at_period_end"]:
        raise WorldStateError(f"{name!r}: the subscription is already set to cancel at period end")
    return story.update_subscription({"cancel_at_period_end": True})


@dataclass(frozen=True)
class Sequence:
    """A named step of the story: a script of API actions, and what must have happened before it."""

    name: str
    summary: str
    script: Callable[[Story], None]
    needs: tuple[str, ...] = ()
    variants: tuple[dict, ...] = ({},)  # story options under which it makes different events

    @property
    def emits(self) -> tuple[str, ...]:
        """The event types the engine makes for this sequence, in first-seen order."""
        return emitted_types(self.name)


SEQUENCES: dict[str, Sequence] = {s.name: s for s in (
    Sequence("first-purchase", "Checkout in subscription mode, first invoice paid", first_purchase),
    Sequence("one-time-purchase", "Checkout in payment mode, no invoice", one_time_purchase),
    Sequence("one-time-purchase-invoiced", "Checkout in payment mode with invoice creation (a manual invoice)",
             invoiced_one_time_purchase),
    Sequence("one-time-purchase-delayed", "Checkout in payment mode with SEPA debit, paid 3 days later",
             delayed_one_time_purchase),
    Sequence("renewal", "The period ends; the cycle invoice is paid an hour later", renewal, ("first-purchase",)),
    Sequence("plan-change", "Switch to --new-price; a new interval restarts the period and invoices now",
             plan_change, ("first-purchase",), ({}, {"new_interval_months": 12})),
    Sequence("cancellation", "Cancel at period end; deleted when the period ends", cancellation,
             ("first-purchase",)),
    Sequence("cancel-undo", "Cancel at period end, then undo it", cancel_undo, ("first-purchase",)),
    Sequence("cancel-now", "Cancel immediately", cancel_now, ("first-purchase",)),
    Sequence("failed-renewal", "Renewal charge and its retries fail; past_due, then deleted", failed_renewal,
             ("first-purchase",)),
)}


def get_sequence(name: str) -> Sequence:
    """Look a sequence up by its story name or an alias."""
    return SEQUENCES[canonical(name)]


@cache
def emitted_types(name: str) -> tuple[str, ...]:
    """Ask the engine: the event types of one sequence, told after what it needs, in first-seen order."""
    types: list[str] = []
    for options in SEQUENCES[name].variants:
        story = new_story(seed="listing", start=1769853600, **options)
        story.run(list(SEQUENCES[name].needs))
        types += [e["type"] for e in story.run([name])]
    return tuple(dict.fromkeys(types))


# ---- making, saving and resuming stories ---------------------------------------------------------
def new_story(*, api_base: str | None = None, api_key: str | None = None, test_clock: bool = False,
              **options) -> Story:
    """A fresh story: in-process on its own engine, or on the running fake Stripe at `api_base` (with
    `test_clock`, its customer on a test clock of its own from `start`: the story's dates, whatever the
    account's clock says)."""
    cast = new_cast(**options)
    if api_base is not None and test_clock:
        return Story(cast, OnTestClock(api_base, api_key or "sk_test_simplex_story", start=cast.start))
    if api_base is not None:
        return Story(cast, OverHttp(api_base, api_key or "sk_test_simplex_story"))
    return Story(cast, InProcess(seed=cast.seed, start=cast.start))
