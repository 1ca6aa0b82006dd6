"""Subscriptions and their items, in the current and the pre-basil shape."""

from ..versions import is_pre_basil


def subscription_item_object(*, id: str, subscription: str, price: dict, created: int,
                             period: tuple[int, int], tax_rates: list[dict], version: str,
                             quantity: int = 1) -> dict:
    """A `subscription_item`; basil+ carries the item's current period."""
    item = {
        "id": id, "object": "subscription_item", "billing_thresholds": None, "created": created,
        "current_period_end": period[1], "current_period_start": period[0], "discounts": [],
        "metadata": {}, "price": price, "quantity": quantity, "subscription": subscription,
        "tax_rates": list(tax_rates),
    }
    if is_pre_basil(version):
        del item["current_period_end"], item["current_period_start"]
        item["plan"] = plan_from_price(price)
    return item


def plan_from_price(price: dict) -> dict:
    """The legacy `plan` twin of a recurring price."""
    rec = price["recurring"] or {}
    return {
        "id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"], "billing_scheme": price["billing_scheme"],
        "created": price["created"], "currency": price["currency"], "interval": rec.get("interval"),
        "interval_count": rec.get("interval_count"), "livemode": False, "metadata": price["metadata"],
        "meter": None, "nickname": price["nickname"], "product": price["product"], "tiers_mode": None,
        "transform_usage": None, "trial_period_days": None, "usage_type": rec.get("usage_type", "licensed"),
    }


def subscription_object(*, id: str, customer: str, items: list[dict], status: str, created: int,
                        start_date: int, billing_cycle_anchor: int, currency: str, version: str,
                        current_period: tuple[int, int],
                        latest_invoice: str | None, metadata: dict | None = None,
                        default_tax_rates: list[dict] | None = None, cancel_at_period_end: bool = False,
                        cancel_at: int | None = None, canceled_at: int | None = None,
                        ended_at: int | None = None, cancellation_reason: str | None = None,
                        test_clock: str | None = None, default_payment_method: str | None = None) -> dict:
    """A `subscription`; the pre-basil shape keeps the period on the subscription itself."""
    sub = {
        "id": id, "object": "subscription", "application": None, "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": billing_cycle_anchor, "billing_cycle_anchor_config": None,
        "billing_mode": {"flexible": {"proration_discounts": "included"}, "type": "flexible",
                         "updated_at": created},
        "billing_schedules": [],
        "billing_thresholds": None, "cancel_at": cancel_at, "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": canceled_at,
        "cancellation_details": {"comment": None, "feedback": None, "reason": cancellation_reason},
        "collection_method": "charge_automatically", "created": created, "currency": currency,
        "customer": customer, "customer_account": None, "days_until_due": None,
        "default_payment_method": default_payment_method, "default_source": None,
        "default_tax_rates": list(default_tax_rates or []), "description": None, "discounts": [],
        "ended_at": ended_at,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": items, "has_more": False,
                  "url": f"/v1/subscription_items?subscription={id}"},
        "latest_invoice": latest_invoice, "livemode": False, "metadata": dict(metadata or {}),
        "next_pending_invoice_item_invoice": None, "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": start_date, "status": status, "test_clock": test_clock,
        "transfer_data": None, "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}}, "trial_start": None,
    }
    if is_pre_basil(version):
        _to_pre_basil(sub, current_period)
    return sub


def _to_pre_basil(sub: dict, current_period: tuple[int, int]) -> None:
    """Move basil-era fields back to where acacia put them."""
    del sub["billing_mode"]
    sub["discount"] = None
    # Pre-basil, the period lived on the subscription; items did not carry it.
    sub["current_period_start"], sub["current_period_end"] = current_period
    items = sub["items"]["data"]
    if len(items) == 1:
        sub["plan"] = items[0]["plan"]
        sub["quantity"] = items[0]["quantity"]
