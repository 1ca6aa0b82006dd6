"""Subscriptions: records, rendering per API version, subscribe, change (with prorations) and cancel."""

import copy

from ..objects.subscriptions import subscription_item_object, subscription_object
from . import discounts
from .billing import (FINALIZE_DELAY, INCOMPLETE_EXPIRES, LIVE, bill_change, charge_now, end_subscription,
                      interval_of, item_lines, period_for)
from .errors import CardDeclined, InvalidRequest
from .events import emit
from .invoices import collect, finalize, new_invoice
from .metadata import merge_metadata
from .payments import DECLINE_MESSAGES, chargeable, check_payment_method, decline_of
from .prices import render_price
from .state import State
from .trials import (NOTICE, check_update, end_behavior, finish_trial, invoice_trial, open_trial, requested_trial_end,
                     start_trial, update_trial)


def new_item(state: State, price: dict, quantity: int, tax_rates: list[str], at: int) -> dict:
    """A subscription item as stored."""
    return {"id": state.new_id("si"), "price": price["id"], "quantity": quantity, "tax_rates": list(tax_rates),
            "created": at, "metadata": {}}


def new_subscription(state: State, customer: dict, items: list[dict], *, at: int, currency: str,
                     metadata: dict | None, default_tax_rates: list[str], payment_method: str | None,
                     trial_end: int | None = None, missing_payment_method: str = "create_invoice") -> dict:
    """Store an active subscription whose first period starts now, and schedule its renewal (or a trialing one
    until `trial_end`, and the trial's end)."""
    sub = {
        "id": state.new_id("sub"), "object": "subscription", "customer": customer["id"], "items": items,
        "status": "active", "created": at, "start_date": at, "anchor": at, "cycle": 0, "period": [at, at],
        "currency": currency, "latest_invoice": None, "metadata": dict(metadata or {}),
        "default_tax_rates": list(default_tax_rates), "cancel_at_period_end": False, "cancel_at": None,
        "canceled_at": None, "ended_at": None, "cancellation_reason": None, "cancellation_feedback": None,
        "cancellation_comment": None, "test_clock": customer["test_clock"], "default_payment_method": payment_method,
        "pending_items": [], "description": None, "discounts": [], "trial_start": None, "trial_end": None,
        "trial_missing_payment_method": missing_payment_method,
    }
    for item in items:
        item["subscription"] = sub["id"]
    state.store.add(sub)
    if trial_end is not None:
        start_trial(state, sub, trial_end, at)
        return sub
    sub["period"] = list(period_for(at, 0, interval_of(state, sub)))
    state.schedule(sub["test_clock"], sub["period"][1], "renew", sub["id"])
    return sub


def render_subscription(state: State, record: dict, version: str) -> dict:
    """The `subscription` in `version`'s shape (items carry the period from basil on)."""
    period = tuple(record["period"])
    items = [subscription_item_object(
        id=item["id"], subscription=record["id"], price=render_price(state, state.store.get(item["price"]), version),
        created=item["created"], period=period, version=version, quantity=item["quantity"],
        tax_rates=[state.store.get(r) for r in item["tax_rates"]]) for item in record["items"]]
    for rendered, item in zip(items, record["items"]):
        rendered["metadata"] = dict(item["metadata"])
    sub = subscription_object(
        id=record["id"], customer=record["customer"], items=items, status=record["status"],
        created=record["created"], start_date=record["start_date"], billing_cycle_anchor=record["anchor"],
        currency=record["currency"], version=version, current_period=period,
        latest_invoice=record["latest_invoice"], metadata=record["metadata"],
        default_tax_rates=[state.store.get(r) for r in record["default_tax_rates"]],
        cancel_at_period_end=record["cancel_at_period_end"], cancel_at=record["cancel_at"],
        canceled_at=record["canceled_at"], ended_at=record["ended_at"],
        cancellation_reason=record["cancellation_reason"], test_clock=record["test_clock"],
        default_payment_method=record["default_payment_method"])
    sub["cancellation_details"].update(feedback=record["cancellation_feedback"], comment=record["cancellation_comment"])
    sub["description"] = record["description"]
    # Records stored before trials existed have none of these fields.
    sub.update(trial_start=record.get("trial_start"), trial_end=record.get("trial_end"),
               trial_settings={"end_behavior": {"missing_payment_method": record.get(
                   "trial_missing_payment_method", "create_invoice")}})
    sub["discounts"] = list(record.get("discounts") or [])
    if "discount" in sub:  # the pre-basil shape: its first discount, expanded
        first = state.store.get(sub["discounts"][0]) if sub["discounts"] else None
        sub["discount"] = discounts.render_discount(state, first, version) if first else None
    sub["schedule"] = record.get("schedule")
    return sub


def discount_entries(p: dict) -> list[dict] | None:
    """`discounts[]`, or what the pre-basil `coupon` and `promotion_code` parameters name (None: neither given)."""
    if "discounts" in p:
        return list(p["discounts"] or [])
    legacy = [{key: p[key]} for key in ("coupon", "promotion_code") if p.get(key)]
    if legacy or any(key in p for key in ("coupon", "promotion_code")):
        return legacy
    return None


def resolve_discounts(state: State, sub: dict | None, customer: dict, p: dict, at: int) -> list | None:
    """A create or update request's discounts, checked before anything changes (None: left as they are)."""
    entries = discount_entries(p)
    if entries is None:
        return None
    param = "discounts" if "discounts" in p else ("promotion_code" if p.get("promotion_code") else "coupon")
    return discounts.resolve(state, entries, customer, param, at, owned=tuple(sub["discounts"]) if sub else ())


def change_items(state: State, sub: dict, changes: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Apply items[] (price/quantity changes, new and deleted items); return (before, after) pairs."""
    pairs, at = [], state.now(sub["test_clock"])
    for index, change in enumerate(changes):
        param = f"items[{index}]"
        item = next((i for i in sub["items"] if i["id"] == change.get("id")), None)
        if "id" in change and item is None:
            raise InvalidRequest(f"Invalid subscription_item id: {change['id']}", param=f"{param}[id]")
        before = copy.deepcopy(item)
        if change.get("deleted"):
            sub["items"].remove(item)
            pairs.append((before, None))
            continue
        price_id = change.get("price") or change.get("plan") or (item or {}).get("price")
        if price_id is None:
            raise InvalidRequest(f"Missing required param: {param}[price].", param=f"{param}[price]",
                                 code="parameter_missing")
        price = state.store.require("price", price_id, f"{param}[price]", in_body=True)
        if item is None:
            item = new_item(state, price, change.get("quantity", 1), change.get("tax_rates") or [], at)
            item["subscription"] = sub["id"]
            sub["items"].append(item)
        item["price"], item["quantity"] = price["id"], change.get("quantity", item["quantity"])
        if "tax_rates" in change:
            item["tax_rates"] = list(change["tax_rates"] or [])
        if "metadata" in change:
            item["metadata"] = merge_metadata(item["metadata"], change["metadata"])
        if before != item:
            pairs.append((before, copy.deepcopy(item)))
    check_items(state, sub, "items")
    return pairs


def apply_fields(state: State, sub: dict, p: dict, at: int) -> None:
    if "metadata" in p:
        sub["metadata"] = merge_metadata(sub["metadata"], p["metadata"])
    if "cancel_at_period_end" in p and p["cancel_at_period_end"] != sub["cancel_at_period_end"]:
        scheduled = p["cancel_at_period_end"]
        # canceled_at records the request time; cancel_at the period end the cancellation takes effect.
        sub.update(cancel_at_period_end=scheduled, canceled_at=at if scheduled else None,
                   cancel_at=sub["period"][1] if scheduled else None,
                   cancellation_reason="cancellation_requested" if scheduled else None)
    details = p.get("cancellation_details") or {}
    sub.update({f"cancellation_{k}": details[k] for k in ("feedback", "comment") if k in details})
    if "default_payment_method" in p:
        pm_id = p["default_payment_method"]
        if pm_id is not None:
            state.store.require("payment_method", pm_id, "default_payment_method", in_body=True)
        sub["default_payment_method"] = pm_id
    if "default_tax_rates" in p:
        sub["default_tax_rates"] = [state.store.require("tax_rate", r, "default_tax_rates", in_body=True)["id"]
                                    for r in p["default_tax_rates"] or []]
    if "description" in p:
        sub["description"] = p["description"]


def check_items(state: State, sub: dict, param: str) -> None:
    """Every item is a recurring, active price, and they share one billing interval."""
    for index, item in enumerate(sub["items"]):
        price = state.store.get(item["price"])
        if not price["recurring"]:
            raise InvalidRequest("The price specified is set to `type=one_time` but this field only accepts "
                                 "prices with `type=recurring`.", param=f"{param}[{index}][price]")
        for rate in item["tax_rates"]:
            state.store.require("tax_rate", rate, f"{param}[{index}][tax_rates]", in_body=True)
    for rate in sub["default_tax_rates"]:
        state.store.require("tax_rate", rate, "default_tax_rates", in_body=True)
    intervals = {(r["interval"], r["interval_count"]) for r in (state.store.get(i["price"])["recurring"]
                                                                  for i in sub["items"])}
    if len(intervals) > 1 or not sub["items"]:
        raise InvalidRequest("All prices on a subscription must have the same `recurring.interval` and "
                             "`recurring.interval_count`.", param=param)


def change_subscription(state: State, sub: dict, p: dict, *, origin=(None, None)) -> dict:
    """POST /v1/subscriptions/{id}: price changes with proration, cancel_at_period_end, metadata."""
    at = state.now(sub["test_clock"])
    if sub["status"] not in (*LIVE, "paused") and set(p) - {"metadata", "cancellation_details", "expand"}:
        raise InvalidRequest("A canceled subscription can only update its cancellation_details and metadata.")
    check_update(state, sub, p, at)
    old = copy.deepcopy(sub)
    old_interval = interval_of(state, sub)
    customer = state.store.get(sub["customer"])
    resolved = resolve_discounts(state, sub, customer, p, at)
    apply_fields(state, sub, p, at)
    if resolved is not None:
        sub["discounts"] = discounts.apply(state, resolved, at=at, customer=customer["id"], origin=origin,
                                           subscription=sub["id"])
    pairs = change_items(state, sub, p["items"]) if p.get("items") else []
    new_interval = interval_of(state, sub)
    changed = (old_interval["interval"], old_interval["interval_count"]) != \
        (new_interval["interval"], new_interval["interval_count"])
    behavior = p.get("proration_behavior", "create_prorations")
    if sub["status"] == "trialing":
        # A trial is free whatever its prices: nothing to prorate, and the period stays the trial's.
        behavior, changed = "none", False
    invoice, items = bill_change(state, sub, pairs, behavior, at=at, interval_changed=changed) if pairs else (None, [])
    if invoice is not None:
        sub["latest_invoice"] = invoice["id"]
    if update_trial(state, sub, p, at):
        # trial_end=now: Stripe says the trial will end (it just did), then ends it with this request's changes.
        emit(state, "customer.subscription.trial_will_end", sub, at=at, origin=origin)
        finish_trial(state, sub, at=at, origin=origin, old=old, now=True)
        return sub
    emit(state, "customer.subscription.updated", sub, at=at, old=old, origin=origin)
    if sub["status"] == "trialing" and sub["trial_end"] != old["trial_end"] and sub["trial_end"] - at <= NOTICE:
        emit(state, "customer.subscription.trial_will_end", sub, at=at, origin=origin)
    for ii in items:
        emit(state, "invoiceitem.created", ii, at=at, origin=origin)
    if invoice is not None:
        charge_now(state, invoice, at=at, origin=origin)
    return sub


def subscribe(state: State, p: dict, *, origin=(None, None), schedule: str | None = None,
              later: bool = False) -> dict:
    """A new subscription, its first period charged now; a declined card leaves it `incomplete`. One a schedule
    starts (`schedule`) with `later` set bills like a renewal instead: its first invoice waits an hour as a draft,
    then is charged, so a customer without a payment method is dunned rather than refused."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    at = state.now(customer["test_clock"])
    items = []
    for index, change in enumerate(p["items"]):
        price = state.store.require("price", change.get("price") or change.get("plan", ""), f"items[{index}][price]",
                                    in_body=True)
        items.append(new_item(state, price, change.get("quantity", 1), change.get("tax_rates") or [], at))
    trial_end = requested_trial_end(state, p, at, items)
    pm_id = (p.get("default_payment_method") or customer["invoice_settings"]["default_payment_method"]
             or customer.get("default_source"))
    if pm_id is None and trial_end is None and not later:
        raise InvalidRequest("This customer has no attached payment source or default payment method. Please "
                             "consider adding a default payment method.", param="default_payment_method")
    if pm_id is not None and pm_id != customer.get("default_source"):
        check_payment_method(state, customer, pm_id, "default_payment_method")
    pm = chargeable(state.store.get(pm_id)) if pm_id else None
    currency = (p.get("currency") or state.store.get(items[0]["price"])["currency"]).lower()
    probe = {"items": items, "default_tax_rates": p.get("default_tax_rates") or []}
    check_items(state, probe, "items")
    resolved = resolve_discounts(state, None, customer, p, at)
    if trial_end is None and pm is not None and decline_of(pm) is not None \
            and p.get("payment_behavior") == "error_if_incomplete":
        raise CardDeclined(DECLINE_MESSAGES[decline_of(pm)], decline_of(pm))
    sub = new_subscription(state, customer, items, at=at, currency=currency, metadata=p.get("metadata"),
                           default_tax_rates=probe["default_tax_rates"],
                           payment_method=p.get("default_payment_method"), trial_end=trial_end,
                           missing_payment_method=end_behavior(p))
    sub["schedule"] = schedule
    sub["discounts"] = discounts.apply(state, resolved or [], at=at, customer=customer["id"], origin=origin,
                                       subscription=sub["id"])
    if trial_end is not None:
        open_trial(state, sub, invoice_trial(state, sub, at=at), at=at, origin=origin)
        return sub
    # Stripe knows the first payment's outcome before customer.subscription.created goes out.
    sub["status"] = "active" if later or decline_of(pm) is None else "incomplete"
    invoice = new_invoice(state, customer, lines=item_lines(state, sub, tuple(sub["period"])),
                          billing_reason="subscription_create", currency=currency, at=at, subscription=sub)
    sub["latest_invoice"] = invoice["id"]
    emit(state, "customer.subscription.created", sub, at=at, origin=origin)
    emit(state, "invoice.created", invoice, at=at, origin=origin)
    if later:
        state.schedule(sub["test_clock"], at + FINALIZE_DELAY, "finalize", invoice["id"])
        return sub
    finalize(state, invoice, at=at, origin=origin)
    collect(state, invoice, pm, at=at, origin=origin, description="Subscription creation")
    if sub["status"] == "incomplete":
        state.schedule(sub["test_clock"], at + INCOMPLETE_EXPIRES, "expire_incomplete", sub["id"])
    return sub


def cancel_now(state: State, sub: dict, p: dict, *, origin=(None, None)) -> dict:
    """Cancel now (whatever was scheduled); emits customer.subscription.deleted."""
    if sub["status"] not in (*LIVE, "paused"):
        raise InvalidRequest(f"This subscription has already been canceled ({sub['id']}).")
    details = p.get("cancellation_details") or {}
    sub.update({f"cancellation_{k}": details[k] for k in ("feedback", "comment") if k in details})
    sub["canceled_at"] = None  # an immediate cancel is requested now, whatever was scheduled before
    end_subscription(state, sub, at=state.now(sub["test_clock"]), origin=origin)
    return sub


RENDERERS = {"subscription": render_subscription}
VERSIONED = frozenset({"subscription"})
