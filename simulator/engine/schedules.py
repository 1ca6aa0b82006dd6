"""Subscription schedules: phases of a subscription planned ahead. Created, updated, released or canceled here;
what happens over time (the start, the moves from phase to phase, the end) is in phases.py."""

import copy

from ..periods import shift_months
from .billing import DAY
from .errors import InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .phases import activate, has_payment_method, plan, release
from .state import State
from .subscriptions import cancel_now

ENDS = ("end_date", "duration", "iterations")
MONTHS, DAYS = {"month": 1, "year": 12}, {"day": 1, "week": 7}


def _phase_length(state: State, phase: dict, param: str) -> tuple[str, int] | int:
    """How long a phase lasts: its `end_date` (a time), else (unit, count) from its `duration`, else from
    `iterations` (default 1) periods of its price."""
    given = [name for name in ENDS if phase.get(name) is not None]
    if len(given) > 1:
        raise InvalidRequest(f"You may only specify one of these parameters: {', '.join(given)}.", param=param)
    if phase.get("end_date") is not None:
        return phase["end_date"]
    if phase.get("duration"):
        return phase["duration"]["interval"], phase["duration"].get("interval_count", 1)
    price = state.store.get(phase["items"][0]["price"])["recurring"]
    return price["interval"], price["interval_count"] * phase.get("iterations", 1)


def _items(state: State, given: dict, param: str) -> list[dict]:
    """A phase's items: recurring prices of one interval."""
    items = []
    for at, item in enumerate(given.get("items") or []):
        price = state.store.require("price", item.get("price", ""), f"{param}[items][{at}][price]", in_body=True)
        if not price["recurring"]:
            raise InvalidRequest("A phase's items must have recurring prices.", param=f"{param}[items][{at}][price]")
        items.append({"price": price["id"], "quantity": item.get("quantity", 1)})
    if not items:
        raise InvalidRequest("Each phase needs items.", param=f"{param}[items]")
    intervals = {(r["interval"], r["interval_count"]) for r in (state.store.get(i["price"])["recurring"]
                                                              for i in items)}
    if len(intervals) > 1:
        raise InvalidRequest("All prices on a subscription must have the same `recurring.interval` and "
                             "`recurring.interval_count`.", param=f"{param}[items]")
    return items


def _phases(state: State, given: list[dict], start: int) -> list[dict]:
    """The phases one after the other from `start`, each ending where the next begins. Months count from the
    last fixed time, as billing periods do (Jan 31 + 1 month → Feb 28, + 2 months → Mar 31)."""
    phases, begin, anchor, elapsed = [], start, start, {"month": 0, "day": 0}
    for index, phase in enumerate(given):
        param = f"phases[{index}]"
        items = _items(state, phase, param)
        length = _phase_length(state, {**phase, "items": items}, param)
        if isinstance(length, int):
            if length <= begin:
                raise InvalidRequest("A phase's end_date must be after its start.", param=f"{param}[end_date]")
            end, anchor, elapsed = length, length, {"month": 0, "day": 0}
        else:
            unit, count = length
            elapsed["month"] += count * MONTHS.get(unit, 0)
            elapsed["day"] += count * DAYS.get(unit, 0)
            end = shift_months(anchor, elapsed["month"]) + elapsed["day"] * DAY
        phases.append({"items": items, "start_date": begin, "end_date": end,
                       "metadata": dict(phase.get("metadata") or {})})
        begin = end
    if not phases:
        raise InvalidRequest("Missing required param: phases.", param="phases", code="parameter_missing")
    return phases


def create_schedule(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A schedule starting now (its subscription made from phase 0, then subscription_schedule.created) or later
    (not_started: subscription_schedule.created, the rest on its clock)."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    now = state.now(customer["test_clock"])
    start = now if p.get("start_date") in (None, "now") else p["start_date"]
    phases = _phases(state, p.get("phases") or [], start)
    schedule = {"id": state.new_id("sub_sched"), "object": "subscription_schedule", "created": now,
                "customer": customer["id"], "end_behavior": p.get("end_behavior", "release"),
                "metadata": dict(p.get("metadata") or {}), "phases": phases, "status": "not_started",
                "phase": None, "subscription": None, "test_clock": customer["test_clock"], "canceled_at": None,
                "completed_at": None, "released_at": None, "released_subscription": None,
                "currency": state.store.get(phases[0]["items"][0]["price"])["currency"]}
    if start <= now:
        # Stripe refuses no schedule for want of a payment method: without one the first invoice is dunned.
        activate(state, schedule, later=not has_payment_method(customer), origin=origin)
    state.store.add(schedule)
    plan(state, schedule, now)
    emit(state, "subscription_schedule.created", schedule, at=now, origin=origin)
    return schedule


def update_schedule(state: State, schedule: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata and end behavior; emits subscription_schedule.updated."""
    if schedule["status"] not in ("not_started", "active"):
        raise InvalidRequest(f"You cannot update a subscription schedule that is {schedule['status']}.")
    old = copy.deepcopy(schedule)
    if "metadata" in p:
        schedule["metadata"] = merge_metadata(schedule["metadata"], p["metadata"])
    if "end_behavior" in p:
        schedule["end_behavior"] = p["end_behavior"]
    emit(state, "subscription_schedule.updated", schedule, at=state.now(schedule["test_clock"]), old=old,
         origin=origin)
    return schedule


def release_schedule(state: State, schedule: dict, *, origin=(None, None)) -> dict:
    """POST …/release: the subscription goes on without the schedule; emits subscription_schedule.released."""
    if schedule["status"] not in ("not_started", "active"):
        raise InvalidRequest(f"You cannot release a subscription schedule that is {schedule['status']}.")
    release(state, schedule, at=state.now(schedule["test_clock"]), origin=origin)
    return schedule


def cancel_schedule(state: State, schedule: dict, *, origin=(None, None)) -> dict:
    """Cancel the schedule and its subscription now; emits subscription_schedule.canceled."""
    if schedule["status"] not in ("not_started", "active"):
        raise InvalidRequest(f"You cannot cancel a subscription schedule that is {schedule['status']}.")
    at = state.now(schedule["test_clock"])
    old = copy.deepcopy(schedule)
    # Canceled first, so the end of its subscription does not cancel it a second time (phases.subscription_ended).
    schedule.update(status="canceled", canceled_at=at)
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None and sub["status"] not in ("canceled", "incomplete_expired"):
        cancel_now(state, sub, {}, origin=origin)
    emit(state, "subscription_schedule.canceled", schedule, at=at, old=old, origin=origin)
    return schedule


def render_schedule(state: State, record: dict, version: str) -> dict:
    """The `subscription_schedule` in Stripe's shape."""
    current = record["phases"][record.get("phase") or 0] if record["status"] == "active" else None
    return {
        "id": record["id"], "object": "subscription_schedule", "application": None,
        "billing_mode": {"type": "classic"}, "canceled_at": record["canceled_at"],
        "completed_at": record["completed_at"], "created": record["created"],
        "current_phase": None if current is None else {
            "end_date": current["end_date"], "start_date": current["start_date"]},
        "customer": record["customer"], "customer_account": None,
        "default_settings": {"application_fee_percent": None, "automatic_tax": {"enabled": False, "liability": None},
                             "billing_cycle_anchor": "automatic", "billing_thresholds": None,
                             "collection_method": "charge_automatically", "default_payment_method": None,
                             "description": None, "invoice_settings": {"account_tax_ids": None,
                                                                        "days_until_due": None,
                                                                        "issuer": {"type": "self"}},
                             "on_behalf_of": None, "transfer_data": None},
        "end_behavior": record["end_behavior"], "livemode": False, "metadata": dict(record["metadata"]),
        "phases": [_phase(ph, record["currency"]) for ph in record["phases"]],
        "released_at": record["released_at"], "released_subscription": record["released_subscription"],
        "status": record["status"], "subscription": record["subscription"], "test_clock": record["test_clock"],
    }


def _phase(phase: dict, currency: str) -> dict:
    return {"add_invoice_items": [], "application_fee_percent": None, "billing_cycle_anchor": None,
            "billing_thresholds": None, "collection_method": None, "currency": currency,
            "default_payment_method": None, "default_tax_rates": [], "description": None, "discounts": [],
            "end_date": phase["end_date"], "invoice_settings": None,
            "items": [{"billing_thresholds": None, "discounts": [], "metadata": {}, "price": item["price"],
                       "quantity": item["quantity"], "tax_rates": []} for item in phase["items"]],
            "metadata": dict(phase["metadata"]), "on_behalf_of": None, "proration_behavior": "create_prorations",
            "start_date": phase["start_date"], "transfer_data": None, "trial_end": None}


RENDERERS = {"subscription_schedule": render_schedule}
