"""Helpers for the platform tests: a dict-backed Stripe gateway, a probe client and story runners."""

import copy
import json
from dataclasses import dataclass, field

import requests
import stripe

from platform_adapter.accounts import shift_months
from platform_adapter.errors import StripeUnavailable
from platform_adapter.facts import SessionLine
from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.schema import metadata
from platform_adapter.storage import Store
from platform_adapter.stripe_gateway import PriceInfo
from platform_adapter.webhooks import WEBHOOK_PATH, handle_event
from simulator.stories import SEQUENCES, Story, new_story

SECRET = "whsec_platform_tests_0123456789"
TOKEN = "probe-token-for-tests"
START = 1769853600  # 2026-01-31T10:00:00Z: month-end arithmetic on the first renewal
HANDLED = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
           "customer.subscription.deleted")

# price -> (product, metadata): the guide's monthly Professional plan and a Business plan to switch to.
CATALOGUE = {
    "price_pro": ("prod_pro", {"accountType": "professional", "interval": "1"}),
    "price_biz": ("prod_biz", {"accountType": "business", "interval": "1"}),
    "price_biz_year": ("prod_biz_year", {"accountType": "business", "interval": "12"}),
    "price_school_3": ("prod_school_3", {"accountType": "school", "interval": "3"}),
}
# Each sequence after what it needs to have happened first.
STORY_FOR = {name: ([] if name.startswith(("first-purchase", "one-time")) else ["first-purchase"]) + [name]
             for name in SEQUENCES}


@dataclass
class DictGateway:
    """A StripeGateway over dicts; `down` makes every call fail as an unreachable Stripe would."""

    prices: dict = field(default_factory=lambda: dict(CATALOGUE))
    session_price: str = "price_pro"
    sessions: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    down: bool = False
    calls: list = field(default_factory=list)

    def price(self, price_id: str) -> PriceInfo | None:
        self.calls.append(("price", price_id))
        if self.down:
            raise StripeUnavailable("cannot retrieve price: APIConnectionError")
        found = self.prices.get(price_id)
        return None if found is None else PriceInfo(price_id, found[0], dict(found[1]))

    def latest(self, kind: str, object_id: str) -> dict | None:
        """Re-fetch mode's retrieve: `objects` holds what Stripe holds now."""
        self.calls.append(("latest", object_id))
        if self.down:
            raise StripeUnavailable(f"cannot retrieve {kind} {object_id}: APIConnectionError")
        return copy.deepcopy(self.objects.get(object_id))

    def session_lines(self, session_id: str) -> list[SessionLine] | None:
        self.calls.append(("session", session_id))
        if self.down:
            raise StripeUnavailable("cannot list line items: APIConnectionError")
        if session_id in self.sessions:
            return self.sessions[session_id]
        product = self.prices.get(self.session_price, ("prod_unknown",))[0]
        return [SessionLine(self.session_price, product, 1)]


@dataclass
class Subscription:
    """The customer's subscription as the engine left it."""

    id: str
    period: tuple[int, int]
    ended_at: int | None


@dataclass
class Record:
    """What the engine recorded at the end of a story: its clock, customer and subscription."""

    now: int
    customer_id: str | None
    subscription: Subscription | None


def record_of(told: Story) -> Record:
    """Read the story's end state back from the engine."""
    sub = told.subscription()
    item = sub["items"]["data"][0] if sub else None
    return Record(told.now, told.cast.customer, sub and Subscription(
        sub["id"], (item["current_period_start"], item["current_period_end"]), sub["ended_at"]))


def story(names: list[str], *, version: str = "2026-10-28.endive", account: str = "acct-1", seed: str = "p",
          price: str = "price_pro", new_price: str = "price_biz", **options) -> tuple[list[dict], Record]:
    """Tell sequences on a fresh engine; return (events, what the engine recorded)."""
    told = new_story(seed=seed, start=START, account=account, price=price, new_price=new_price,
                     product=CATALOGUE.get(price, ("prod_x",))[0],
                     new_product=CATALOGUE.get(new_price, ("prod_y",))[0], **options)
    return told.run(names, version), record_of(told)


def handled(events: list[dict]) -> list[dict]:
    """Only the guide's four event types."""
    return [e for e in events if e["type"] in HANDLED]


def sign(body: bytes | str, secret: str = SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header made by the SDK."""
    text = body.decode() if isinstance(body, bytes) else body
    return stripe.WebhookSignature.generate_signature_header(text, secret, timestamp)


def reset(store: Store) -> None:
    """Empty every table (faster than a new database per hypothesis example)."""
    with store.write() as tx:
        for table in reversed(metadata.sorted_tables):
            tx.conn.execute(table.delete())
    store.forget_links()


@dataclass
class Probe:
    """The conformance probe over HTTP."""

    base: str
    token: str = TOKEN
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def webhook_url(self) -> str:
        return self.base + WEBHOOK_PATH

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def create_account(self, email: str = "jane@example.com", **extra) -> str:
        r = self.session.post(f"{self.base}{PROBE_PREFIX}/accounts", json={"email": email, **extra},
                              headers=self._headers(), timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def account(self, ref: str, at: str | None = None) -> dict:
        r = self.session.get(f"{self.base}{PROBE_PREFIX}/accounts/{ref}", params={"at": at} if at else None,
                             headers=self._headers(), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def events(self, account: str | None = None) -> list[dict]:
        r = self.session.get(f"{self.base}{PROBE_PREFIX}/events", params={"account": account} if account else None,
                             headers=self._headers(), timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["events"]

    def post_event(self, event: dict | bytes, header: str | None = "sign", **kwargs) -> requests.Response:
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if header == "sign":
            headers["Stripe-Signature"] = sign(body)
        elif header is not None:
            headers["Stripe-Signature"] = header
        return self.session.post(self.webhook_url, data=body, headers=headers, timeout=10, **kwargs)


def state_of(account: dict) -> tuple:
    """The part of a probe answer that order and duplicates must not change."""
    return account["accountType"], account["paidUntil"], account["autoRenew"], account["active"]


def expected(name: str, world) -> tuple:
    """What in-order delivery must produce, from the simulated world's own record."""
    sub = world.subscription
    one_time = ("professional", shift_months(world.now, 1), False)
    return {
        "first-purchase": ("professional", sub and sub.period[1], True),
        "one-time-purchase": one_time,
        "one-time-purchase-invoiced": one_time,
        "one-time-purchase-delayed": (None, None, False),  # unpaid at completion; the guide's events never settle it
        "renewal": ("professional", sub and sub.period[1], True),
        "plan-change": ("business", sub and sub.period[1], True),
        "cancellation": ("professional", sub and sub.ended_at, False),
        "cancel-undo": ("professional", sub and sub.period[1], True),
        "cancel-now": ("professional", sub and sub.ended_at, False),
        "failed-renewal": ("professional", sub and sub.period[0], False),
    }[name]


def unreferenced(events: list[dict]) -> list[dict]:
    """Copies where only the Checkout Session names the account: subscription and invoice events wait for links."""
    events = copy.deepcopy(events)
    for event in events:
        obj = event["data"]["object"]
        if obj.get("object") in ("subscription", "invoice"):
            obj.get("metadata", {}).pop("accountRef", None)
            for holder in ((obj.get("parent") or {}).get("subscription_details"), obj.get("subscription_details")):
                if holder:
                    holder.get("metadata", {}).pop("accountRef", None)
    return events


def deliver_all(state, events: list[dict]) -> tuple:
    """Deliver `events` to a reset store with one account; the account's (type, paid until, auto-renew)."""
    reset(state.store)
    with state.store.write() as tx:
        tx.create_account("acct-1", "jane@example.com", 0)
    for event in events:
        handle_event(state, event, json.dumps(event))
    with state.store.read() as tx:
        row = tx.account_by_ref("acct-1")
        pending = [r for r in tx.list_deliveries() if r.outcome in ("pending", "processing")]
    assert not pending, [(r.id, r.type, r.reason) for r in pending]
    return row.account_type, row.paid_until, row.auto_renew
