"""Test clocks: frozen timelines whose customers' billing runs on advance, within Stripe's bound per move."""

import copy

from ..periods import shift_months
from .billing import LIVE, interval_of
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .rendering import deleted
from .state import STEP_JOBS, State

KIND = "test_helpers.test_clock"
DELETES_AFTER = 7 * 86400
MAX_FREE_ADVANCE_MONTHS = 24  # with no subscriptions a clock may move two years at a time


def clock_object(*, id: str, frozen_time: int, created: int, name: str | None) -> dict:
    """A `test_helpers.test_clock`."""
    return {"id": id, "object": KIND, "created": created, "deletes_after": created + DELETES_AFTER,
            "frozen_time": frozen_time, "livemode": False, "name": name, "status": "ready", "status_details": {}}


def clock_advance_limit(state: State, clock: dict) -> int:
    """The furthest one advance of a test clock may go: two intervals of the shortest live subscription on it."""
    return advance_limit(state, clock["id"], clock["frozen_time"])


def advance_limit(state: State, test_clock: str | None, now: int) -> int:
    """Stripe's bound on one move of a timeline (a test clock, or None: the account clock): two intervals of its
    shortest live subscription, two years with none. Each move's work is bounded by it."""
    limits = [shift_months(now, MAX_FREE_ADVANCE_MONTHS)]
    for sub in state.store.all("subscription"):
        if sub["test_clock"] == test_clock and sub["status"] in LIVE:
            rec = interval_of(state, sub)
            unit, count = rec["interval"], rec["interval_count"]
            if unit in ("month", "year"):
                limits.append(shift_months(now, 2 * count * (12 if unit == "year" else 1)))
            else:
                limits.append(now + 2 * count * (86400 if unit == "day" else 7 * 86400))
    return min(limits)


def create_clock(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A test clock frozen at `frozen_time` (`customer` attaches an existing customer, as dahlia allows)."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True) if p.get("customer") else None
    if customer is not None and customer["test_clock"]:
        raise InvalidRequest("This customer is already attached to a test clock.", param="customer")
    clock = clock_object(id=state.new_id("clock"), frozen_time=p["frozen_time"], created=state.now(),
                         name=p.get("name"))
    state.store.add(clock)
    if customer is not None:
        customer["test_clock"] = clock["id"]
    emit(state, "test_helpers.test_clock.created", clock, at=state.now(), origin=origin)
    return clock


def advance_clock(state: State, clock: dict, p: dict, *, origin=(None, None)) -> dict:
    """Move a test clock: every renewal, retry and cancellation due by `frozen_time` happens now."""
    target = p["frozen_time"]
    if clock["status"] == "advancing":
        raise InvalidRequest("The test clock is advancing; wait until its status is `ready` before advancing it again.",
                             code="test_clock_advancing")
    if target <= clock["frozen_time"]:
        raise InvalidParameter("The test clock can only move forward: `frozen_time` must be after its current "
                               f"frozen_time ({clock['frozen_time']}).", "frozen_time")
    limit = clock_advance_limit(state, clock)
    if target > limit:
        raise InvalidParameter("Cannot advance the test clock more than two intervals of the shortest "
                               f"subscription on it; advance to {limit} or earlier first.", "frozen_time")
    before = copy.deepcopy(clock)
    advancing = {**before, "status": "advancing",
                 "status_details": {"advancing": {"target_frozen_time": target}}}
    emit(state, "test_helpers.test_clock.advancing", advancing, at=state.now(), origin=origin)
    # Stripe advances asynchronously; the fake finishes before answering, so the first poll says "ready". The work
    # runs in steps, letting other requests in between; meanwhile the clock says `advancing`.
    clock.update(status="advancing", status_details=advancing["status_details"])
    try:
        while state.run_due(clock["id"], target, limit=STEP_JOBS) == STEP_JOBS:
            state.lock.let_others_in()
    finally:
        clock.update(status="ready", status_details={})
    clock["frozen_time"] = target
    emit(state, "test_helpers.test_clock.ready", clock, at=state.now())
    return advancing


def delete_clock(state: State, clock: dict, *, origin=(None, None)) -> dict:
    """Delete a test clock: its customers and their subscriptions go with it."""
    for kind in ("subscription", "invoice", "customer"):
        for obj in [o for o in state.store.all(kind) if o.get("test_clock") == clock["id"]]:
            state.store.remove(obj["id"])
    state.jobs.pop(clock["id"], None)
    state.store.remove(clock["id"])
    emit(state, "test_helpers.test_clock.deleted", clock, at=state.now(), origin=origin)
    return deleted(clock["id"], KIND)
