"""One customer's story: simulated events, delivered to the target when their simulated time comes."""

import itertools
import time
from dataclasses import dataclass, field
from typing import Callable

from simulator.delivery import DeliveryPolicy
from simulator.scene import Scene
from simulator.sender import Report, WebhookSender
from simulator.sequences import run_sequences
from simulator.world import World, new_world

from .guide_catalogue import GuidePlan

VERSIONS = {"current": "2026-10-28.endive", "pre-basil": "2025-02-24.acacia"}
_SEEDS = itertools.count()


@dataclass
class Clock:
    """The scenario's now; moves the platform's clock too when the target lets the harness control it."""

    now: int
    move: Callable[[int], None] | None = None

    def set(self, ts: int) -> None:
        """Jump to `ts` (never backwards for the platform's frozen clock)."""
        self.now = ts
        if self.move is not None:
            self.move(ts)


@dataclass
class Timeline:
    """Runs simulator sequences in one world and delivers what is due."""

    target: object
    account: str
    clock: Clock
    plan: GuidePlan | None = None
    version: str = VERSIONS["current"]
    world: World | None = None
    pending: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)

    def start(self, plan: GuidePlan, new_plan: GuidePlan | None = None, *, inclusive: bool = False) -> None:
        """A fresh world at the scenario's now, buying `plan` (and able to switch to `new_plan`)."""
        self.plan, target = plan, new_plan or plan
        self.world = new_world(
            seed=f"conformance-{next(_SEEDS)}-{time.time_ns()}", start=self.clock.now, account=self.account,
            email=f"{self.account}@example.com", account_type=plan.account_type, interval_months=plan.months,
            currency=plan.currency, amount=plan.amount, price=plan.recurring_price, product=plan.product,
            new_price=target.recurring_price, new_product=target.product, new_account_type=target.account_type,
            new_interval_months=target.months, new_amount=target.amount, tax_inclusive=inclusive)
        self.world.plan.one_time_price_id = plan.one_time_price
        self.world.new_plan.one_time_price_id = target.one_time_price

    def run(self, *sequences: str) -> list[dict]:
        """Let the sequences happen; their events wait until delivered."""
        events = run_sequences(Scene(self.world, self.version), list(sequences))
        self.pending.extend(events)
        return events

    def sender(self, policy: DeliveryPolicy | None = None, secrets: list[str] | None = None) -> WebhookSender:
        """A sender to the target's webhook URL, signing with the platform's secret."""
        return WebhookSender(self.target.webhook_url, secrets or [self.target.webhook_secret],
                             policy or DeliveryPolicy(retry="none", time_scale=0))

    def deliver(self, events: list[dict] | None = None, policy: DeliveryPolicy | None = None) -> Report:
        """Deliver `events` (default: all pending) and forget them from the pending list."""
        events = list(self.pending) if events is None else events
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
        self.clock.set(max(ts, self.clock.now))
        due = self.pending if deliver_all else [e for e in self.pending if e["created"] <= self.clock.now]
        return self.deliver(due)
