"""Per simulated user: several accounts, each living first purchase → renewals → plan change → cancellation.

Pure apart from the clock: the locustfile asks for the next delivery and POSTs it. Every account's story is
told by its own in-process engine, seeded from the run's seed, the worker and the user, so ids never
collide across users, workers or machines, and a run replays exactly under the same `--seed` and worker layout.
"""

import hashlib
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.signing import Signer
from simulator.stories import Story, new_story

from .options import LoadOptions


def warm_up() -> None:
    """Start one engine and throw it away, so the first user does not pay for one-time set-up."""
    new_story(seed="warm-up", start=0)


def lifecycle(renewals: int) -> list[str]:
    """The sequences of one customer's life: buy, renew, change plan, cancel at period end."""
    return ["first-purchase", *["renewal"] * renewals, "plan-change", "cancellation"]


@dataclass
class Delivery:
    """One POST to make: the event and its signed body and headers."""

    event: dict
    body: bytes
    headers: dict[str, str]


def account_ref(options: LoadOptions, user_key: str, number: int) -> str:
    """The platform's account reference for a user's `number`-th account (unique per run seed and user)."""
    digest = hashlib.sha256(f"{options.seed}/{user_key}".encode()).hexdigest()[:10]
    return f"{options.account}-{digest}-{number}"


class UserStories:
    """The accounts of one simulated user and the queue of deliveries still to make."""

    def __init__(self, options: LoadOptions, user_key: str, clock: Callable[[], float] = time.time) -> None:
        self.options, self.clock = options, clock
        self.refs = [account_ref(options, user_key, n) for n in range(options.accounts_per_user)]
        self.worlds = [self._world(ref, f"{options.seed}/{user_key}/{n}") for n, ref in enumerate(self.refs)]
        self.signer = Signer(options.secrets, clock=clock)
        self.queue: deque[dict] = deque()
        self.rounds = 0

    def _world(self, ref: str, seed: str) -> Story:
        o = self.options
        return new_story(seed=seed, start=int(self.clock()), email=f"{ref}@example.com", account=ref,
                         account_type=o.account_type, new_account_type=o.new_account_type,
                         interval_months=o.interval_months, new_interval_months=o.new_interval_months,
                         currency=o.currency, amount=o.amount, price=o.price, product=o.product,
                         new_price=o.new_price, new_product=o.new_product, tax_rate=o.tax_rate,
                         tax_inclusive=o.tax_inclusive)

    def next_delivery(self) -> Delivery:
        """Sign and return the next delivery, living the next account's lifecycle when the queue is empty."""
        if not self.queue:
            self._refill()
        event = self.queue.popleft()
        return Delivery(event, *self.signer.sign_event(event))

    def _refill(self) -> None:
        o = self.options
        world = self.worlds[self.rounds % len(self.worlds)]
        events = world.run(lifecycle(o.renewals), o.api_version)
        policy = DeliveryPolicy(order=o.order, duplicates=o.duplicates, seed=f"{world.cast.seed}#{self.rounds}")
        self.signer.forget()
        self.queue.extend(policy.schedule(events))
        self.rounds += 1
