"""Subscription schedules: phases of a subscription planned ahead. Started now, a schedule makes its subscription
from the first phase; it can be updated, released (the subscription goes on alone) or canceled (so is the
subscription). Phases that follow on the clock are not simulated yet: a later phase is refused."""

import copy

from ..periods import shift_months
from .errors import InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .state import State
from .subscriptions import cancel_now, subscribe

DAYS = {"day": 86400, "week": 7 * 86400}


def _phase_end(state: State, start: int, phase: dict) -> int:
    """When a phase ends: its `end_date`, else its `duration`, else one interval of its first price."""
    if phase.get("end_date"):
        return phase["end_date"]
    recurring = phase.get("duration") or state.store.get(phase["items"][0]["price"])["recurring"]
    count = recurring.get("interval_count", 1)
    if recurring["interval"] in ("month", "year"):
        return shift_months(start, count * (12 if recurring["interval"] == "year" else 1))
    return start + count * DAYS[recurring["interval"]]


def create_schedule(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A schedule starting now (its subscription made from phase 0) or later (not_started);
    emits subscription_schedule.created."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    now = state.now(customer["test_clock"])
    start = now if p.get("start_date") in (None, "now") else p["start_date"]
    phases, begin = [], start
    for index, given in enumerate(p.get("phases") or []):
        items = []
        for at, item in enumerate(given.get("items") or []):
            price = state.store.require("price", item.get("price", ""), f"phases[{index}][items][{at}][price]",
                                        in_body=True)
            if not price["recurring"]:
                raise InvalidRequest("A phase's items must have recurring prices.",
                                     param=f"phases[{index}][items][{at}][price]")
            items.append({"price": price["id"], "quantity": item.get("quantity", 1)})
        if not items:
            raise InvalidRequest("Each phase needs items.", param=f"phases[{index}][items]")
        end = _phase_end(state, begin, {**given, "items": items})
        phases.append({"items": items, "start_date": begin, "end_date": end,
                       "metadata": dict(given.get("metadata") or {})})
        begin = end
    if not phases:
        raise InvalidRequest("Missing required param: phases.", param="phases", code="parameter_missing")
    schedule = {"id": state.new_id("sub_sched"), "object": "subscription_schedule", "created": now,
                "customer": customer["id"], "end_behavior": p.get("end_behavior", "release"),
                "metadata": dict(p.get("metadata") or {}), "phases": phases, "status": "not_started",
                "subscription": None, "test_clock": customer["test_clock"], "canceled_at": None,
                "completed_at": None, "released_at": None, "released_subscription": None,
                "currency": state.store.get(phases[0]["items"][0]["price"])["currency"]}
    state.store.add(schedule)
    emit(state, "subscription_schedule.created", schedule, at=now, origin=origin)
    if start <= now:
        sub = subscribe(state, {"customer": customer["id"], "items": phases[0]["items"],
                                "metadata": phases[0]["metadata"]}, origin=origin)
        sub["schedule"] = schedule["id"]
        schedule.update(status="active", subscription=sub["id"])
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
    """The subscription goes on without the schedule; emits subscription_schedule.released."""
    if schedule["status"] not in ("not_started", "active"):
        raise InvalidRequest(f"You cannot release a subscription schedule that is {schedule['status']}.")
    at = state.now(schedule["test_clock"])
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None:
        sub["schedule"] = None
    schedule.update(status="released", released_at=at, released_subscription=schedule["subscription"],
                    subscription=None)
    emit(state, "subscription_schedule.released", schedule, at=at, origin=origin)
    return schedule


def cancel_schedule(state: State, schedule: dict, *, origin=(None, None)) -> dict:
    """Cancel the schedule and its subscription now; emits subscription_schedule.canceled."""
    if schedule["status"] not in ("not_started", "active"):
        raise InvalidRequest(f"You cannot cancel a subscription schedule that is {schedule['status']}.")
    at = state.now(schedule["test_clock"])
    sub = state.store.get(schedule["subscription"] or "")
    if sub is not None and sub["status"] not in ("canceled", "incomplete_expired"):
        cancel_now(state, sub, {}, origin=origin)
    schedule.update(status="canceled", canceled_at=at)
    emit(state, "subscription_schedule.canceled", schedule, at=at, origin=origin)
    return schedule


def render_schedule(state: State, record: dict, version: str) -> dict:
    """The `subscription_schedule` in Stripe's shape."""
    now = state.now(record["test_clock"])
    current = next((ph for ph in record["phases"] if ph["start_date"] <= now < ph["end_date"]), None)
    return {
        "id": record["id"], "object": "subscription_schedule", "application": None,
        "billing_mode": {"type": "classic"}, "canceled_at": record["canceled_at"],
        "completed_at": record["completed_at"], "created": record["created"],
        "current_phase": None if current is None or record["status"] != "active" else {
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
