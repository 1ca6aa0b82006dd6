"""Trials: a trialing subscription and its $0 first invoice, customer.subscription.trial_will_end three days
before the trial ends, the trial's end (charged, invoiced, paused or canceled), and resuming a paused one."""

import copy

from .billing import (DAY, attempt, charge_now, end_subscription, interval_of, item_lines, next_cycle, payment_method_for,
                      period_for)
from .errors import InvalidParameter, InvalidRequest
from .events import emit
from .invoices import collect, finalize, line, new_invoice
from .state import State

# Stripe sends customer.subscription.trial_will_end this long before the trial ends (at once for a shorter trial).
NOTICE = 3 * DAY
MAX_TRIAL_DAYS = 730
END_BEHAVIORS = ("create_invoice", "pause", "cancel")
# What a paused subscription may still change before it is resumed (a payment method, above all).
PAUSED_UPDATABLE = frozenset({"metadata", "cancellation_details", "default_payment_method", "description",
                              "trial_settings", "expand"})


def requested_trial_end(state: State, p: dict, at: int, items: list[dict]) -> int | None:
    """When the trial a create request asks for ends (None: no trial); Stripe's errors for a bad request."""
    days, end = p.get("trial_period_days"), p.get("trial_end")
    if days is not None and end is not None:
        raise InvalidRequest("You may only specify one of these parameters: trial_end, trial_period_days.",
                             param="trial_end")
    if p.get("trial_from_plan") and end is not None:
        raise InvalidRequest("You cannot set `trial_from_plan` together with `trial_end`.", param="trial_from_plan")
    if end == "now":
        return None
    if end is not None:
        return checked_end(end, at)
    if days is None and p.get("trial_from_plan"):
        # The plan's own trial: the longest trial_period_days among the items' prices, as Stripe applies it.
        days = max((state.store.get(i["price"])["recurring"].get("trial_period_days") or 0 for i in items),
                   default=0)
    if days and days > MAX_TRIAL_DAYS:
        raise InvalidParameter(f"The maximum number of trial period days is {MAX_TRIAL_DAYS} (2 years).",
                               "trial_period_days")
    return at + days * DAY if days else None


def checked_end(end: int, at: int) -> int:
    """A trial_end timestamp Stripe accepts: in the future, and at most two years away."""
    if end <= at:
        raise InvalidParameter("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end")
    if end > at + MAX_TRIAL_DAYS * DAY:
        raise InvalidParameter("Invalid timestamp: can be no more than two years in the future.", "trial_end")
    return end


def end_behavior(p: dict, default: str = "create_invoice") -> str:
    """trial_settings[end_behavior][missing_payment_method] of a request (the spec has typed and checked it)."""
    return ((p.get("trial_settings") or {}).get("end_behavior") or {}).get("missing_payment_method", default)


def start_trial(state: State, sub: dict, trial_end: int, at: int) -> None:
    """Make a new subscription trialing until `trial_end`: its period is the trial, its anchor the trial's end."""
    # cycle -1: the cycle after the trial (0) starts at the anchor, so renewals and previews count from there.
    sub.update(status="trialing", trial_start=at, trial_end=trial_end, anchor=trial_end, cycle=-1,
               period=[at, trial_end])
    state.schedule(sub["test_clock"], trial_end, "end_trial", sub["id"])
    if trial_end - at > NOTICE:
        state.schedule(sub["test_clock"], trial_end - NOTICE, "trial_will_end", sub["id"])


def notice_is_due(sub: dict, at: int) -> bool:
    """Whether trial_will_end goes out at once: the trial ends within three days."""
    return sub["status"] == "trialing" and sub["trial_end"] - at <= NOTICE


def invoice_trial(state: State, sub: dict, *, at: int) -> dict:
    """The trial's first invoice: one $0 line per item, paid at once (billing_reason subscription_create)."""
    span = tuple(sub["period"])
    lines = []
    for item in sub["items"]:
        price = state.store.get(item["price"])
        product = state.store.get(price["product"])
        lines.append(line(state, price=price, quantity=item["quantity"], amount=0, period=span, tax_rate=None,
                          subscription_item=item["id"],
                          description=f"Trial period for {product['name'] if product else price['product']}"))
    invoice = new_invoice(state, state.store.get(sub["customer"]), lines=lines, billing_reason="subscription_create",
                          currency=sub["currency"], at=at, subscription=sub)
    sub["latest_invoice"] = invoice["id"]
    return invoice


def open_trial(state: State, sub: dict, invoice: dict, *, at: int, origin=(None, None)) -> None:
    """The events of a new trialing subscription: created, its $0 invoice paid, and trial_will_end when near."""
    emit(state, "customer.subscription.created", sub, at=at, origin=origin)
    emit(state, "invoice.created", invoice, at=at, origin=origin)
    finalize(state, invoice, at=at, origin=origin)
    collect(state, invoice, None, at=at, origin=origin)
    if notice_is_due(sub, at):
        emit(state, "customer.subscription.trial_will_end", sub, at=at, origin=origin)


def trial_will_end(state: State, sub_id: str, due: int) -> None:
    """Three days before the trial ends (unless the trial moved or ended meanwhile)."""
    sub = state.store.get(sub_id)
    if sub is None or sub["status"] != "trialing" or sub["trial_end"] != due + NOTICE:
        return
    emit(state, "customer.subscription.trial_will_end", sub, at=due)


def end_trial(state: State, sub_id: str, due: int) -> None:
    """The trial's end on the clock: a new cycle invoiced (charged an hour later), or pause, or cancel."""
    sub = state.store.get(sub_id)
    if sub is None or sub["status"] != "trialing" or sub["trial_end"] != due:
        return  # canceled, or its trial moved: this job is stale
    finish_trial(state, sub, at=due)


def finish_trial(state: State, sub: dict, *, at: int, origin=(None, None), old: dict | None = None,
                 now: bool = False) -> None:
    """End a trial at `at`. Without a payment method trial_settings decide: create_invoice (charged, so it fails
    and the subscription is past_due), pause, or cancel. `now`: ended by an update (trial_end=now), so the period
    restarts now and the subscription_update invoice is charged at once."""
    old = old or copy.deepcopy(sub)
    behavior = sub.get("trial_missing_payment_method", "create_invoice")
    if sub["cancel_at_period_end"] and not now:
        end_subscription(state, sub, at=at, origin=origin)
        return
    if payment_method_for(state, sub) is not None or behavior == "create_invoice":
        _start_paying(state, sub, at=at, origin=origin, old=old, now=now)
        return
    # The trial (and its period) ends now; the anchor follows trial_end, as an update of trial_end moves it.
    sub.update(trial_end=at, anchor=at, period=[sub["period"][0], at])
    if behavior == "cancel":
        end_subscription(state, sub, at=at, origin=origin)
    else:
        sub["status"] = "paused"
        emit(state, "customer.subscription.updated", sub, at=at, old=old, origin=origin)
        emit(state, "customer.subscription.paused", sub, at=at, origin=origin)


def _start_paying(state: State, sub: dict, *, at: int, origin, old: dict, now: bool) -> None:
    """The trial is over and billing starts: the cycle invoice at the trial's end (charged an hour later), or, for
    trial_end=now, a period from now invoiced and charged at once."""
    sub["status"] = "active"
    if not now:
        next_cycle(state, sub, at, old=old)
        return
    sub.update(trial_end=at, anchor=at, cycle=0, period=list(period_for(at, 0, interval_of(state, sub))))
    state.schedule(sub["test_clock"], sub["period"][1], "renew", sub["id"])
    invoice = new_invoice(state, state.store.get(sub["customer"]), lines=item_lines(state, sub, tuple(sub["period"])),
                          billing_reason="subscription_update", currency=sub["currency"], at=at, subscription=sub)
    sub["latest_invoice"] = invoice["id"]
    emit(state, "customer.subscription.updated", sub, at=at, old=old, origin=origin)
    charge_now(state, invoice, at=at, origin=origin)


def check_update(state: State, sub: dict, p: dict, at: int) -> None:
    """Refuse, before anything changes, what an update may not do to a trial or a paused subscription."""
    if sub["status"] == "paused" and set(p) - PAUSED_UPDATABLE:
        raise InvalidRequest("A paused subscription cannot be updated this way; resume it first "
                             f"(POST /v1/subscriptions/{sub['id']}/resume).")
    end = p.get("trial_end")
    if end is None or end == "now":
        return
    if sub["status"] != "trialing":
        raise InvalidRequest("The fake Stripe moves the end of a trial only; it does not start a trial on a "
                             f"subscription that is {sub['status']}.", param="trial_end")
    checked_end(end, at)


def update_trial(state: State, sub: dict, p: dict, at: int) -> bool:
    """Apply trial_settings and a new trial_end to a checked update; True when the trial must end now."""
    if "trial_settings" in p:
        sub["trial_missing_payment_method"] = end_behavior(p)
    end = p.get("trial_end")
    if end is None or sub["status"] != "trialing":
        return False
    if end == "now":
        return True
    sub.update(trial_end=end, anchor=end, period=[sub["period"][0], end])
    state.schedule(sub["test_clock"], end, "end_trial", sub["id"])
    if end - at > NOTICE:
        state.schedule(sub["test_clock"], end - NOTICE, "trial_will_end", sub["id"])
    return False


def resume(state: State, sub: dict, p: dict, *, origin=(None, None)) -> dict:
    """POST /v1/subscriptions/{id}/resume: a new period (billing_cycle_anchor=now) or the one around now
    (`unchanged`, prorated), invoiced and charged at once; paid → active, else past_due."""
    if sub["status"] != "paused":
        raise InvalidRequest(f"Only a paused subscription can be resumed; subscription {sub['id']} is "
                             f"{sub['status']}.")
    at = state.now(sub["test_clock"])
    old = copy.deepcopy(sub)
    recurring = interval_of(state, sub)
    if p.get("billing_cycle_anchor", "now") == "now":
        sub.update(anchor=at, cycle=0, period=list(period_for(at, 0, recurring)))
        lines = item_lines(state, sub, tuple(sub["period"]))
    else:
        cycle = max(sub["cycle"], 0)
        while period_for(sub["anchor"], cycle, recurring)[1] <= at:
            cycle += 1
        sub.update(cycle=cycle, period=list(period_for(sub["anchor"], cycle, recurring)))
        lines = _remaining(state, sub, at, p.get("proration_behavior", "create_prorations"))
    state.schedule(sub["test_clock"], sub["period"][1], "renew", sub["id"])
    paid = True
    if lines:
        invoice = new_invoice(state, state.store.get(sub["customer"]), lines=lines,
                              billing_reason="subscription_update", currency=sub["currency"], at=at, subscription=sub)
        sub["latest_invoice"] = invoice["id"]
        emit(state, "invoice.created", invoice, at=at, origin=origin)
        finalize(state, invoice, at=at, origin=origin)
        # A paused subscription's status is left alone by attempt(), which schedules the dunning retries.
        paid = attempt(state, invoice, at=at, origin=origin)
    sub["status"] = "active" if paid else "past_due"
    emit(state, "customer.subscription.updated", sub, at=at, old=old, origin=origin)
    emit(state, "customer.subscription.resumed", sub, at=at, origin=origin)
    return sub


def _remaining(state: State, sub: dict, at: int, behavior: str) -> list[dict]:
    """billing_cycle_anchor=unchanged: the rest of the current period, prorated (nothing with `none`)."""
    if behavior == "none":
        return []
    start, end = sub["period"]
    fraction = max(end - at, 0) / max(end - start, 1)
    out = []
    for full in item_lines(state, sub, (at, end)):
        full.update(amount=round(full["amount"] * fraction), proration=True)
        out.append(full)
    return out


JOBS = {"trial_will_end": trial_will_end, "end_trial": end_trial}
