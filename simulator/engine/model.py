"""Stripe's model assembled: every domain's renderers and scheduled jobs, and a State that uses them."""

from typing import Callable

from . import (billing, checkout, completion, discounts, events, invoices, payment_intents, payment_links, phases,
               prices, promotion_codes, quotes, schedules, subscriptions, trials, webhooks)
from .state import FakeClock, State

# object type -> fn(state, record, version): types whose records are not already Stripe objects.
RENDERERS: dict[str, Callable] = {**prices.RENDERERS, **checkout.RENDERERS, **invoices.RENDERERS,
                                  **subscriptions.RENDERERS, **events.RENDERERS, **webhooks.RENDERERS,
                                  **payment_links.RENDERERS, **quotes.RENDERERS,
                                  **schedules.RENDERERS, **promotion_codes.RENDERERS, **discounts.RENDERERS}
# Types whose rendering differs between rendering.SHAPES (the others render the same in every version).
VERSIONED: frozenset[str] = checkout.VERSIONED | invoices.VERSIONED | subscriptions.VERSIONED
# job kind -> fn(state, target_id, due): what scheduled work does when its time comes (renewals, retries, expiry).
RUNNERS: dict[str, Callable] = {**billing.JOBS, **checkout.JOBS, **completion.JOBS, **payment_intents.JOBS,
                               **trials.JOBS, **phases.JOBS}


def new_state(clock: Callable[[], float] | None = None, *, id_seed: str = "fake") -> State:
    """An empty account on the model's tables; `clock` is a unix-time source (default time.time)."""
    return State(FakeClock(clock), id_seed=id_seed, renderers=RENDERERS, versioned=VERSIONED, runners=RUNNERS)
