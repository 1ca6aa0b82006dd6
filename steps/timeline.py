"""One customer's story, told in the platform's own Stripe; its events reach the target when their time comes.

With a Stripe the harness can drive (the fake Stripe the platform uses, given by `--stripe-api-base` and
`--stripe-api-key`; the embedded run's own fake) every object an event names is made there with the
platform's key — the customer on a test clock of its own at the scenario's date, the Checkout Session paid
through the fake's hosted-page helper — so a platform that fetches what an event names finds it, in the
state the event describes. Without a Stripe API (`--tags "not stripe-api"`), stories run on an engine in
this process and their events name objects no Stripe holds: only steps whose events are refused or
ignored before any fetch use that.
"""

import time
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests

from simulator.delivery.answers import answer
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import Report, WebhookSender
from simulator.casts import PricedProduct
from simulator.stories import Story, new_story

from .guide_catalogue import GuidePlan

NOT_APPLICABLE = "not applicable: "  # the plugin's prefix (imported from here: the plugin imports this module)
VERSIONS = {"current": "2026-10-28.endive", "pre-basil": "2025-02-24.acacia"}


def world_plan(plan: GuidePlan, now: int) -> PricedProduct:
    """The story's view of a guide plan: the engine makes its prices with the target's ids."""
    return PricedProduct(product_id=plan.product, product_name=plan.name, currency=plan.currency,
                         unit_amount=plan.amount, months=plan.months, recurring_price_id=plan.recurring_price,
                         one_time_price_id=plan.one_time_price, account_type=plan.account_type, created=now - 86400)


@dataclass
class Clock:
    """The scenario's now; moves the platform's clock too when the target lets the harness control it."""

    now: int
    move: Callable[[int], None] | None = None
    started: bool = False

    def set(self, ts: int) -> None:
        """The first call sets the scenario's date; later ones only move forwards, as time does."""
        if self.started and ts <= self.now:
            return
        self.now, self.started = ts, True
        if self.move is not None:
            self.move(ts)


def drives_stories(target) -> bool:
    """Whether the harness can tell stories in the target's Stripe: a fake Stripe there, with the key."""
    if "drives_stories" not in target.details:
        ok = False
        if target.stripe_api_base and target.stripe_api_key:
            try:
                reply = requests.get(target.stripe_api_base.rstrip("/") + "/_sim/clock", timeout=5,
                                     headers={"Authorization": f"Bearer {target.stripe_api_key}"})
                ok = reply.status_code == 200
            except requests.RequestException:
                ok = False
        target.details["drives_stories"] = ok
    return target.details["drives_stories"]


def active_tax_rate(target) -> tuple[float | None, bool, str | None]:
    """(percentage, inclusive, id) of the platform account's active tax rate (the preflight saw one): what its
    Checkout uses; looked up once per run (the scenarios that add or archive rates restore them)."""
    if "tax_rate" not in target.details:
        rates = target.stripe_client.v1.tax_rates.list({"active": True, "limit": 1}).data
        target.details["tax_rate"] = (rates[0].percentage, bool(rates[0].inclusive), rates[0].id) if rates \
            else (None, False, None)
    return target.details["tax_rate"]


def answer_of(attempt) -> str:
    """The target's answer to one attempt, short: status and body (or the connection error)."""
    if attempt.status is None:
        return f"no answer ({attempt.error})"
    return f"{attempt.status} {attempt.response[:200]}"


def check_answers(report: Report) -> None:
    """Every delivery answered 2xx with the contract's body (an `outcome`); else fail naming event and answer."""
    for attempt in report.failed:
        raise AssertionError(f"{attempt.event_id} ({attempt.type}): the platform answered {answer_of(attempt)}")
    for attempt in report.attempts:  # a failed attempt that a retry completed is judged by the retry
        if attempt.ok and answer(attempt)[0] is None:
            raise AssertionError(f"{attempt.event_id} ({attempt.type}): the platform answered {answer_of(attempt)}, "
                                 "without the contract's `outcome`")


def platform_now(target, clock: Clock) -> int:
    """The platform's now, to sign a hand-made delivery with: the scenario's clock where the harness moves it."""
    return clock.now if target.controls_clock else int(time.time())


@dataclass
class Timeline:
    """Tells simulator sequences in one story and delivers what is due."""

    target: object
    account: str
    clock: Clock
    plan: GuidePlan | None = None
    local: bool = False  # tell the story in this process even when the target's Stripe could hold it
    version: str = VERSIONS["current"]
    world: Story | None = None
    pending: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    def start(self, plan: GuidePlan, new_plan: GuidePlan | None = None, *, inclusive: bool = False) -> None:
        """A fresh world at the scenario's now, buying `plan` (and able to switch to `new_plan`)."""
        self.plan, target = plan, new_plan or plan
        # Seeded by the account reference: unique per platform, and the same ids when a scenario is replayed.
        options = dict(seed=self.account, start=self.clock.now, account=self.account,
                       email=f"{self.account}@example.com", tax_inclusive=inclusive)
        if self.local or self.target.stripe_client is None:
            self.world = new_story(**options)
        elif not drives_stories(self.target):
            pytest.skip(NOT_APPLICABLE + f"the harness cannot pay a Checkout Session in the Stripe at "
                        f"{self.target.stripe_api_base or 'https://api.stripe.com'}: the stories need a fake "
                        "Stripe (simplex-stripe fake-stripe) as the platform's Stripe")
        else:
            percentage, inclusive, rate = active_tax_rate(self.target)
            self.world = new_story(api_base=self.target.stripe_api_base, api_key=self.target.stripe_api_key,
                                   test_clock=True, **{**options, "tax_rate": percentage, "tax_inclusive": inclusive})
            self.world.cast.tax_rate_id = rate
        self.world.plan = world_plan(plan, self.clock.now)
        self.world.new_plan = world_plan(target, self.clock.now)

    def buy_next(self, plan: GuidePlan) -> None:
        """Make `plan` what the customer buys next (a live subscription keeps its own plan)."""
        self.plan, self.world.plan = plan, world_plan(plan, self.clock.now)

    def switch_target(self, plan: GuidePlan) -> None:
        """Make `plan` what a plan change switches to."""
        self.world.new_plan = world_plan(plan, self.clock.now)

    def run(self, *sequences: str) -> list[dict]:
        """Let the sequences happen from the scenario's now; their events wait until delivered."""
        events = self.world.run(list(sequences), self.version, at=self.clock.now)
        self.pending.extend(events)
        return events

    def sender(self, policy: DeliveryPolicy | None = None, secrets: list[str] | None = None) -> WebhookSender:
        """A sender to the target's webhook URL, signing with the platform's secret."""
        # Signed at the platform's now: the scenario's date where the harness moves the platform's clock.
        return WebhookSender(self.target.webhook_url, secrets or [self.target.webhook_secret],
                             policy or DeliveryPolicy(retry="none", time_scale=0),
                             clock=lambda: platform_now(self.target, self.clock))

    def deliver(self, events: list[dict] | None = None, policy: DeliveryPolicy | None = None, *,
                check: bool = True, applies: bool = False) -> Report:
        """Deliver `events` (default: all pending) and forget them from the pending list.

        `check`: each delivery must be answered 2xx with an outcome; `applies`: the platform must have
        applied at least one of them (read back through the probe). A failure names the event and the answer.
        """
        events = list(self.pending) if events is None else events
        if not events:
            return Report()
        ids = {e["id"] for e in events}
        self.pending = [e for e in self.pending if e["id"] not in ids]
        report = self.sender(policy).send(events)
        self.delivered.extend(events)
        self.reports.append(report)
        if check:
            check_answers(report)
        if applies:
            self.check_applied(events, report)
        return report

    def check_applied(self, events: list[dict], report: Report) -> None:
        """At least one of `events` was answered `applied`, or is listed so by the platform (a `pending` event
        applied later); else fail naming each one."""
        if any(answer(attempt)[0] == "applied" for attempt in report.attempts):
            return
        outcomes = {e["id"]: e["outcome"] for e in self.target.probe.events(e["id"] for e in events)
                    if e["outcome"] != "duplicate"}
        if "applied" not in outcomes.values():
            seen = ", ".join(f"{e['id']} ({e['type']}): {outcomes.get(e['id'], 'not listed')}" for e in events)
            raise AssertionError(f"the platform applied none of this step's events: {seen}")

    def happen(self, *sequences: str, applies: bool = True) -> Report:
        """Run sequences and deliver everything they emit; the clock follows the story."""
        self.run(*sequences)
        return self.advance(self.world.now, deliver_all=True, applies=applies)

    def advance(self, ts: int, *, deliver_all: bool = False, applies: bool = False) -> Report:
        """Move time to `ts` and deliver every pending event that has happened by then."""
        self.clock.set(ts)
        due = self.pending if deliver_all else [e for e in self.pending if e["created"] <= self.clock.now]
        return self.deliver(due, applies=applies)
