"""The scale workload: 1,000 webhook events over 100 accounts, and what in-order single delivery makes of them.

Every simulator sequence appears (subscriptions, renewals, plan and interval changes, cancellations,
dunning, one-time purchases), each account its own world and seed; every fifth account's
subscription and invoice events carry no account reference, so they wait as `pending` until the
Checkout Session links them. Only the guide's four event types are kept (what its endpoint
receives). The expected state comes from a separate in-process platform that receives each event
once, in order, resolving prices and session line items through the same fake Stripe.
"""

import copy
import json
from dataclasses import dataclass

import stripe

from platform_adapter import create_app
from platform_adapter.accounts import derive
from platform_adapter.config import Settings
from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.schema import accounts, events as events_table, facts_table, links
from platform_adapter.storage import Store
from platform_adapter.webhooks import handle_event
from simulator.stories import new_story
from simulator.versions import CURRENT
from sqlalchemy import func, select

from tests.platform.support import HANDLED, SECRET, START, TOKEN, unreferenced

ACCOUNTS, EVENTS = 100, 1000
AT = "2026-06-01T00:00:00Z"  # the moment `active` is read at, on both sides
# (new plan's lookup-key stem, sequences): together they run every simulator sequence.
STORIES: tuple[tuple[str, list[str]], ...] = (
    ("business_1m", ["first-purchase", "renewal", "renewal", "plan-change", "cancel-undo", "cancellation"]),
    ("professional_12m", ["first-purchase", "plan-change", "renewal", "renewal", "cancel-now"]),
    ("business_1m", ["first-purchase", "cancel-undo", "renewal", "failed-renewal", "one-time-purchase"]),
    ("business_1m", ["one-time-purchase", "one-time-purchase-invoiced", "one-time-purchase-delayed",
                     "first-purchase", "renewal", "cancellation"]),
    ("business_1m", ["first-purchase", "cancellation", "first-purchase", "renewal", "plan-change", "renewal"]),
    ("business_1m", ["first-purchase", "renewal", "renewal", "renewal", "renewal", "cancel-now"]),
)


@dataclass(frozen=True)
class Catalogue:
    """The guide's products in the fake Stripe, found by their prices' lookup keys."""

    client: stripe.StripeClient
    base: str
    prices: dict[str, tuple[str, str]]  # lookup key -> (price id, product id)

    @classmethod
    def from_fake(cls, client: stripe.StripeClient, base: str) -> "Catalogue":
        keys = [f"{stem}_{kind}" for stem in ("professional_1m", "business_1m", "professional_12m")
                for kind in ("recurring", "one_time")]
        found = client.v1.prices.list({"lookup_keys": keys, "limit": 100}).data
        return cls(client, base, {p.lookup_key: (p.id, p.product) for p in found})

    def session_for(self, ref: str) -> str:
        """A real payment-mode Checkout Session for the 1-month Professional one-time price."""
        return self.client.v1.checkout.sessions.create({
            "mode": "payment", "success_url": "https://meeting.example.com/ok", "client_reference_id": ref,
            "line_items": [{"price": self.prices["professional_1m_one_time"][0], "quantity": 1}]}).id


@dataclass(frozen=True)
class Workload:
    """The events (each once) and the state in-order single delivery leaves."""

    refs: list[str]
    events: list[dict]
    expected: dict  # snapshot(): accounts, facts, links, outcomes
    answers: dict[str, dict]  # ref -> the probe's answer at AT




def account_events(catalogue: Catalogue, n: int, ref: str) -> list[dict]:
    """One account's story: the guide's four event types, in the order Stripe emitted them."""
    new_stem, names = STORIES[n % len(STORIES)]
    price, product = catalogue.prices["professional_1m_recurring"]
    new_price, new_product = catalogue.prices[f"{new_stem}_recurring"]
    told = new_story(seed=f"scale-{n}", start=START + n * 3600, account=ref, email=f"{ref}@example.com",
                     price=price, product=product, new_price=new_price, new_product=new_product,
                     new_interval_months=12 if new_stem.endswith("12m") else None)
    emitted = copy.deepcopy([e for e in told.run(names, CURRENT) if e["type"] in HANDLED])
    sessions: dict[str, str] = {}
    for event in emitted:  # payment-mode sessions must exist in the fake: the platform lists their line items
        obj = event["data"]["object"]
        if obj.get("object") == "checkout.session" and obj["mode"] == "payment":
            obj["id"] = sessions.setdefault(obj["id"], catalogue.session_for(ref))
    return unreferenced(emitted) if n % 5 == 4 else emitted


def trimmed(per_account: list[list[dict]], total: int) -> list[list[dict]]:
    """Drop the latest events, one account at a time, until exactly `total` remain."""
    excess = sum(map(len, per_account)) - total
    if excess < 0:
        raise ValueError(f"the stories emit {total + excess} events, fewer than {total}")
    n = 0
    while excess:
        story = per_account[n % len(per_account)]
        if len(story) > 2:
            story.pop()
            excess -= 1
        n += 1
    return per_account


def snapshot(store: Store) -> dict:
    """What order and duplicates must not change: per account its state, fact keys and links; each event's outcome."""
    with store.read() as tx:
        refs = dict(tx.conn.execute(select(accounts.c.id, accounts.c.ref)).all())
        states = {row.ref: (row.account_type, row.paid_until, bool(row.auto_renew), row.subscription_id)
                  for row in tx.conn.execute(select(accounts))}
        facts: dict[str, list] = {ref: [] for ref in refs.values()}
        for account_id, key in tx.conn.execute(select(facts_table.c.account_id, facts_table.c.key)):
            facts[refs[account_id]].append(key)
        linked: dict[str, list] = {ref: [] for ref in refs.values()}
        for kind, stripe_id, account_id in tx.conn.execute(select(links.c.kind, links.c.stripe_id, links.c.account_id)):
            linked[refs[account_id]].append((kind, stripe_id))
        outcomes = dict(tx.conn.execute(select(events_table.c.id, events_table.c.outcome)).all())
    return {"accounts": states, "facts": {k: sorted(v) for k, v in facts.items()},
            "links": {k: sorted(v) for k, v in linked.items()}, "outcomes": outcomes}


def inconsistencies(store: Store) -> list[str]:
    """Signs of a half-applied event: a stored state that its facts do not give, or a fact without its event."""
    problems = []
    with store.read() as tx:
        applied = set(tx.conn.execute(select(events_table.c.id).where(events_table.c.outcome == "applied")).scalars())
        for row in tx.conn.execute(select(accounts)):
            stored = (row.account_type, row.paid_until, bool(row.auto_renew), row.subscription_id)
            state = derive(tx.facts(row.id))
            if stored != (state.account_type, state.paid_until, state.auto_renew, state.subscription):
                problems.append(f"{row.ref}: stored {stored} but its facts give {state}")
        for account_id, key, event_id in tx.conn.execute(
                select(facts_table.c.account_id, facts_table.c.key, facts_table.c.event_id)):
            if event_id not in applied:
                problems.append(f"fact {key} of account {account_id} names event {event_id}, which is not applied")
        pending = tx.conn.execute(select(func.count()).select_from(events_table)
                                  .where(events_table.c.outcome == "pending")).scalar_one()
        if pending:
            problems.append(f"{pending} events still pending")
    return problems


def build_workload(catalogue: Catalogue) -> Workload:
    """Make the events, then deliver each once, in order, to an in-process platform to learn the expected state."""
    refs = [f"acct-scale-{n:03d}" for n in range(ACCOUNTS)]
    per_account = trimmed([account_events(catalogue, n, ref) for n, ref in enumerate(refs)], EVENTS)
    settings = Settings(stripe_secret_key="sk_test_scale", webhook_secret=SECRET, probe_token=TOKEN,
                        database_url="sqlite://", stripe_api_base=catalogue.base)
    app = create_app(settings)
    state = app.extensions["platform_adapter"]
    try:
        with state.store.write() as tx:
            for ref in refs:
                tx.create_account(ref, f"{ref}@example.com", 0)
        for story in per_account:
            for event in story:
                handle_event(state, event, json.dumps(event))
        client = app.test_client()
        answers = {ref: client.get(f"{PROBE_PREFIX}/accounts/{ref}?at={AT}",
                                   headers={"Authorization": f"Bearer {TOKEN}"}).get_json() for ref in refs}
        expected = snapshot(state.store)
        problems = inconsistencies(state.store)
    finally:
        state.store.close()
    assert not problems, problems
    # Interleave the accounts, as Stripe's traffic would; the sender shuffles the deliveries anyway.
    events = [story[i] for i in range(max(map(len, per_account))) for story in per_account if i < len(story)]
    return Workload(refs, events, expected, answers)
