"""Test clocks (`/v1/test_helpers/test_clocks`): frozen timelines whose customers' billing runs on advance."""

import copy

from ..periods import shift_months
from .api import Call
from .billing import LIVE, interval_of
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .params import NON_NEGATIVE
from .rendering import deleted, page
from .state import State

KIND = "test_helpers.test_clock"
DELETES_AFTER = 7 * 86400
MAX_FREE_ADVANCE_MONTHS = 24  # with no subscriptions a clock may move two years at a time


def clock_object(*, id: str, frozen_time: int, created: int, name: str | None) -> dict:
    """A `test_helpers.test_clock`."""
    return {"id": id, "object": KIND, "created": created, "deletes_after": created + DELETES_AFTER,
            "frozen_time": frozen_time, "livemode": False, "name": name, "status": "ready", "status_details": {}}


def create_clock(call: Call) -> dict:
    """POST /v1/test_helpers/test_clocks (`customer` attaches an existing customer, as dahlia allows)."""
    state = call.state
    p = call.parse({"frozen_time": NON_NEGATIVE})
    customer = state.store.require("customer", p["customer"], "customer", in_body=True) if p.get("customer") else None
    if customer is not None and customer["test_clock"]:
        raise InvalidRequest("This customer is already attached to a test clock.", param="customer")
    clock = clock_object(id=state.new_id("clock"), frozen_time=p["frozen_time"], created=state.now(),
                         name=p.get("name"))
    state.store.add(clock)
    if customer is not None:
        customer["test_clock"] = clock["id"]
    emit(state, "test_helpers.test_clock.created", clock, at=state.now(), origin=call.origin)
    return clock


def retrieve_clock(call: Call) -> dict:
    """GET /v1/test_helpers/test_clocks/{id}."""
    return call.state.store.require(KIND, call.args["id"])


def list_clocks(call: Call) -> dict:
    """GET /v1/test_helpers/test_clocks."""
    return page(call, KIND, "/v1/test_helpers/test_clocks", call.params)


def _limit(state: State, clock: dict) -> int:
    """The furthest one advance may go: two intervals of the shortest live subscription on the clock."""
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


def advance_clock(call: Call) -> dict:
    """POST …/{id}/advance: every renewal, retry and cancellation due by `frozen_time` happens now."""
    state = call.state
    clock = state.store.require(KIND, call.args["id"])
    p = call.parse({"frozen_time": NON_NEGATIVE})
    target = p["frozen_time"]
    if target <= clock["frozen_time"]:
        raise InvalidParameter("The test clock can only move forward: `frozen_time` must be after its current "
                               f"frozen_time ({clock['frozen_time']}).", "frozen_time")
    limit = _limit(state, clock)
    if target > limit:
        raise InvalidParameter("Cannot advance the test clock more than two intervals of the shortest "
                               f"subscription on it; advance to {limit} or earlier first.", "frozen_time")
    before = copy.deepcopy(clock)
    advancing = {**before, "status": "advancing",
                 "status_details": {"advancing": {"target_frozen_time": target}}}
    emit(state, "test_helpers.test_clock.advancing", advancing, at=state.now(), origin=call.origin)
    # Stripe advances asynchronously; the fake finishes before answering, so the first poll says "ready".
    state.run_due(clock["id"], target)
    clock["frozen_time"] = target
    emit(state, "test_helpers.test_clock.ready", clock, at=state.now())
    return advancing


def delete_clock(call: Call) -> dict:
    """DELETE …/{id}: its customers and their subscriptions go with it."""
    state = call.state
    clock = state.store.require(KIND, call.args["id"])
    for kind in ("subscription", "invoice", "customer"):
        for obj in [o for o in state.store.all(kind) if o.get("test_clock") == clock["id"]]:
            state.store.remove(obj["id"])
    state.jobs.pop(clock["id"], None)
    state.store.remove(clock["id"])
    emit(state, "test_helpers.test_clock.deleted", clock, at=state.now(), origin=call.origin)
    return deleted(clock["id"], KIND)


ROUTES = [
    ("POST", "/v1/test_helpers/test_clocks", create_clock),
    ("GET", "/v1/test_helpers/test_clocks", list_clocks),
    ("GET", "/v1/test_helpers/test_clocks/<id>", retrieve_clock),
    ("POST", "/v1/test_helpers/test_clocks/<id>/advance", advance_clock),
    ("DELETE", "/v1/test_helpers/test_clocks/<id>", delete_clock),
]
