"""One customer's story, told by the fake Stripe's engine; its events reach the target when their time comes."""

import time
from dataclasses import dataclass, field
from typing import Callable

from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import Report, WebhookSender
from simulator.stories import PricedProduct, Story, new_story

from .guide_catalogue import GuidePlan

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
    version: str = VERSIONS["current"]
    world: Story | None = None
    pending: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    def start(self, plan: GuidePlan, new_plan: GuidePlan | None = None, *, inclusive: bool = False) -> None:
        """A fresh world at the scenario's now, buying `plan` (and able to switch to `new_plan`)."""
        self.plan, target = plan, new_plan or plan
        # Seeded by the account reference: unique per platform, and the same ids when a scenario is replayed.
        self.world = new_story(seed=self.account, start=self.clock.now, account=self.account,
                               email=f"{self.account}@example.com", tax_inclusive=inclusive)
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
        return WebhookSender(self.target.webhook_url, secrets or [self.target.webhook_secret],
                             policy or DeliveryPolicy(retry="none", time_scale=0))

    def deliver(self, events: list[dict] | None = None, policy: DeliveryPolicy | None = None) -> Report:
        """Deliver `events` (default: all pending) and forget them from the pending list."""
        events = list(self.pending) if events is None else events
        if not events:
            return Report()
        ids = {e["id"] for e in events}
        self.pending = [e for e in self.pending if e["id"] not in ids]
        report = self.sender(policy).send(events)
        self.delivered.extend(events)
        self.reports.append(report)
        return report

    def happen(self, *sequences: str) -> Report:
        """Run sequences and deliver everything they emit; the clock follows the story."""
        self.run(*sequences)
        return self.advance(self.world.now, deliver_all=True)

    def advance(self, ts: int, *, deliver_all: bool = False) -> Report:
        """Move time to `ts` and deliver every pending event that has happened by then."""
        self.clock.set(ts)
        due = self.pending if deliver_all else [e for e in self.pending if e["created"] <= self.clock.now]
        return self.deliver(due)
