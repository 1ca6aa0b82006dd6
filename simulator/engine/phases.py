"""Subscription schedules over time: a schedule starts its subscription at its `start_date`, moves it from phase to
phase at each phase's `end_date`, says `subscription_schedule.expiring` seven days before it ends, and ends as its
`end_behavior` says: `completed` either way, the subscription going on alone (`release`) or canceled (`cancel`).
When dunning cancels its subscription the schedule is `canceled` with `subscription_schedule.aborted`."""

import copy

from .billing import DAY, LIVE, end_subscription
from .events import emit
from .state import State
from .subscriptions import change_subscription, subscribe

# Stripe sends subscription_schedule.expiring this long before a schedule's last phase ends.
EXPIRING_NOTICE = 7 * DAY


def plan(state: State, schedule: dict, now: int) -> None:
    """Put a new schedule's later work on its timeline: its start (if later) and its expiring notice."""
    clock, phases = schedule["test_clock"], schedule["phases"]
    if phases[0]["start_date"] > now:
        state.schedule(clock, phases[0]["start_date"], "schedule_start", schedule["id"])
    notice = phases[-1]["end_date"] - EXPIRING_NOTICE
    if notice > now:  # a schedule made within its last week gets no notice
        state.schedule(clock, notice, "schedule_expiring", schedule["id"])


def has_payment_method(customer: dict) -> bool:
    """Whether the customer's invoices have something to be charged to."""
    return bool(customer["invoice_settings"].get("default_payment_method") or customer.get("default_source"))


def activate(state: State, schedule: dict, *, later: bool, origin=(None, None)) -> dict:
    """Start the subscription from the first phase (billed like a renewal when `later`); the schedule is active."""
    phase = schedule["phases"][0]
    # Queued before the subscription's first renewal, so where a phase ends with a period the phase moves first
    # and the renewal bills the next phase's items.
    state.schedule(schedule["test_clock"], phase["end_date"], "schedule_phase", schedule["id"])
    sub = subscribe(state, {"customer": schedule["customer"], "items": phase["items"], "metadata": phase["metadata"]},
                    origin=origin, schedule=schedule["id"], later=later)
    schedule.update(status="active", subscription=sub["id"], phase=0)
    return sub


def start(state: State, schedule_id: str, due: int) -> None:
    """The start date has come: the subscription is made; emits subscription_schedule.updated after its events."""
    schedule = state.store.get(schedule_id)
    if schedule is None or schedule["status"] != "not_started" or schedule["phases"][0]["start_date"] != due:
        return
    old = copy.deepcopy(schedule)
    activate(state, schedule, later=True)
    emit(state, "subscription_schedule.updated", schedule, at=due, old=old)


def move(state: State, schedule_id: str, due: int) -> None:
    """A phase has ended: the subscription takes the next phase's items, or the schedule ends."""
    schedule = state.store.get(schedule_id)
    if schedule is None or schedule["status"] != "active":
        return
    index = schedule.get("phase", 0)
    if schedule["phases"][index]["end_date"] != due:
        return  # stale
    if index + 1 == len(schedule["phases"]):
        finish(state, schedule, due)
        return
    old = copy.deepcopy(schedule)
    schedule["phase"] = index + 1
    phase = schedule["phases"][index + 1]
    state.schedule(schedule["test_clock"], phase["end_date"], "schedule_phase", schedule["id"])
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None and sub["status"] in LIVE:
        changes = item_changes(sub, phase["items"])
        if changes or any(sub["metadata"].get(k) != v for k, v in phase["metadata"].items()):
            # At a period's end nothing is left to prorate; mid-period Stripe's default prorates.
            behavior = "none" if sub["period"][1] == due else "create_prorations"
            change_subscription(state, sub, {"items": changes, "metadata": phase["metadata"],
                                             "proration_behavior": behavior})
    emit(state, "subscription_schedule.updated", schedule, at=due, old=old)


def item_changes(sub: dict, items: list[dict]) -> list[dict]:
    """The subscription's items[] update that makes its items the phase's: kept prices with their quantity, the
    others deleted, new prices added."""
    wanted = {item["price"]: item["quantity"] for item in items}
    changes = []
    for item in sub["items"]:
        if item["price"] not in wanted:
            changes.append({"id": item["id"], "deleted": True})
        elif wanted[item["price"]] != item["quantity"]:
            changes.append({"id": item["id"], "quantity": wanted[item["price"]]})
    held = {item["price"] for item in sub["items"]}
    changes += [{"price": price, "quantity": quantity} for price, quantity in wanted.items() if price not in held]
    return changes


def finish(state: State, schedule: dict, due: int) -> None:
    """The last phase is over: the schedule is completed (Stripe's schedules guide: the subscription is released
    from it and goes on, with `release`; `cancel` cancels it). `released` is for the release endpoint only."""
    old = copy.deepcopy(schedule)
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None and schedule["end_behavior"] == "cancel":
        schedule.update(status="completed", completed_at=due)  # first: its subscription's end must not cancel it
        if sub["status"] in LIVE:
            end_subscription(state, sub, at=due)
    else:
        if sub is not None:
            before = copy.deepcopy(sub)
            sub["schedule"] = None
            emit(state, "customer.subscription.updated", sub, at=due, old=before)
        schedule.update(status="completed", completed_at=due, released_subscription=schedule["subscription"],
                        subscription=None)
    emit(state, "subscription_schedule.completed", schedule, at=due, old=old)


def release(state: State, schedule: dict, *, at: int, origin=(None, None)) -> None:
    """The subscription goes on without the schedule (customer.subscription.updated); emits
    subscription_schedule.released."""
    old = copy.deepcopy(schedule)
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None:
        before = copy.deepcopy(sub)
        sub["schedule"] = None
        emit(state, "customer.subscription.updated", sub, at=at, old=before, origin=origin)
    schedule.update(status="released", released_at=at, released_subscription=schedule["subscription"],
                    subscription=None)
    emit(state, "subscription_schedule.released", schedule, at=at, old=old, origin=origin)


def expiring(state: State, schedule_id: str, due: int) -> None:
    """Seven days before the last phase ends: emits subscription_schedule.expiring."""
    schedule = state.store.get(schedule_id)
    if schedule is None or schedule["status"] not in ("not_started", "active"):
        return
    if schedule["phases"][-1]["end_date"] - EXPIRING_NOTICE == due:
        emit(state, "subscription_schedule.expiring", schedule, at=due)


def subscription_ended(state: State, schedule_id: str, at: int) -> None:
    """The schedule's subscription was canceled while the schedule ran: canceled with it, `aborted` when dunning
    ended it (`subscription_schedule.aborted`), else `subscription_schedule.canceled`."""
    schedule = state.store.get(schedule_id)
    if schedule is None or schedule["status"] != "active":
        return  # the schedule itself ended the subscription
    sub = state.store.get(schedule["subscription"])
    old = copy.deepcopy(schedule)
    schedule.update(status="canceled", canceled_at=at)
    dunned = sub is not None and sub["cancellation_reason"] == "payment_failed"
    emit(state, "subscription_schedule.aborted" if dunned else "subscription_schedule.canceled", schedule, at=at,
         old=old)


JOBS = {"schedule_start": start, "schedule_phase": move, "schedule_expiring": expiring,
        "schedule_subscription_ended": subscription_ended}
