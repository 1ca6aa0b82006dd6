"""Table-driven tests of the pure updater: events -> facts -> account state, for every rule of the issue."""

from datetime import datetime, timezone

import pytest
import stripe

from platform_adapter.accounts import AccountState, derive, shift_months
from platform_adapter.catalogue.rules import Invalid, plan_from_metadata
from platform_adapter.facts import APPLY, IGNORED, REJECTED, EventMeta, SessionLine, interpret

from .support import CATALOGUE


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


T0 = ts("2026-01-31T10:00:00")
FEB28, MAR31, APR30 = ts("2026-02-28T10:00:00"), ts("2026-03-31T10:00:00"), ts("2026-04-30T10:00:00")


class StaticResolver:
    """Catalogue from a dict; every session bought `lines`."""

    def __init__(self, catalogue=None, lines=None):
        self.catalogue = CATALOGUE if catalogue is None else catalogue
        self.lines = lines or {}

    def plan(self, price, product=None):
        if price not in self.catalogue:
            return Invalid(f"price {price} is unknown to Stripe")
        return plan_from_metadata(*self.catalogue[price])

    def session_lines(self, session):
        return self.lines.get(session, [SessionLine("price_pro", "prod_pro", 1)])


def session(at, *, id="cs_1", mode="payment", paid="paid", ref="acct-1", customer=None, sub=None):
    return ("checkout.session.completed", at, {
        "id": id, "object": "checkout.session", "mode": mode, "status": "complete", "payment_status": paid,
        "client_reference_id": ref, "metadata": {}, "customer": customer, "subscription": sub})


def invoice(at, lines, *, sub="sub_1", reason="subscription_cycle", status="paid", pre_basil=False):
    """`lines`: (price, start, end[, proration, amount])."""
    rendered = []
    for price, start, end, *rest in lines:
        proration, amount = (rest + [False, 2900])[:2] if rest else (False, 2900)
        if pre_basil:
            rendered.append({"type": "subscription", "subscription": sub, "proration": proration, "amount": amount,
                             "period": {"start": start, "end": end}, "price": {"id": price, "product": "prod"}})
        else:
            rendered.append({"amount": amount, "period": {"start": start, "end": end},
                             "pricing": {"type": "price_details", "price_details": {"price": price, "product": "prod"}},
                             "parent": {"type": "subscription_item_details", "subscription_item_details": {
                                 "subscription": sub, "proration": proration}}})
    obj = {"id": "in_1", "object": "invoice", "status": status, "billing_reason": reason, "customer": "cus_1",
           "lines": {"object": "list", "data": rendered}}
    if sub is not None:
        if pre_basil:
            obj.update(subscription=sub, subscription_details={"metadata": {"accountRef": "acct-1"}}, paid=True)
        else:
            obj["parent"] = {"type": "subscription_details",
                             "subscription_details": {"subscription": sub, "metadata": {"accountRef": "acct-1"}}}
    return ("invoice.paid", at, obj)


def subscription(at, *, price="price_pro", period_end=FEB28, cape=False, status="active", deleted=False,
                 ended_at=None, pre_basil=False, sub="sub_1"):
    item = {"price": {"id": price, "product": "prod"}}
    obj = {"id": sub, "object": "subscription", "customer": "cus_1", "status": status,
           "cancel_at_period_end": cape, "ended_at": ended_at, "metadata": {"accountRef": "acct-1"},
           "items": {"object": "list", "data": [item]}}
    if pre_basil:
        obj["current_period_end"] = period_end
    else:
        item["current_period_end"] = period_end
    return ("customer.subscription.deleted" if deleted else "customer.subscription.updated", at, obj)


def run(events, resolver=None):
    resolver = resolver or StaticResolver()
    facts = {}
    for n, (type_, at, obj) in enumerate(events):
        result = interpret(EventMeta(f"evt_{n}", type_, at), obj, resolver)
        for fact in result.facts:
            facts.setdefault(fact.key, fact)
    return derive(facts.values())


PAID_PERIOD = invoice(T0, [("price_pro", T0, FEB28)], reason="subscription_create")

CASES = [
    # --- one-time purchases ---
    pytest.param([session(T0)], AccountState("professional", FEB28, False), id="one-time-grants-interval-from-purchase"),
    pytest.param([session(T0), session(T0 + 86400, id="cs_2")], AccountState("professional", MAR31, False),
                 id="same-type-while-active-extends-month-end-anchored"),
    pytest.param([session(T0), session(FEB28 + 5, id="cs_2")],
                 AccountState("professional", shift_months(FEB28 + 5, 1), False), id="same-type-after-expiry-restarts"),
    pytest.param([session(T0), session(T0 + 86400, id="cs_2")], AccountState("professional", MAR31, False),
                 id="order-of-grants-does-not-matter"),
    pytest.param([session(T0, paid="unpaid")], AccountState(), id="unpaid-grants-nothing"),
    pytest.param([session(T0, mode="setup")], AccountState(), id="setup-mode-grants-nothing"),
    pytest.param([session(T0), invoice(T0, [("price_pro", T0, T0)], sub=None, reason="manual")],
                 AccountState("professional", FEB28, False), id="one-off-invoice-of-checkout-grants-no-second-time"),
    # --- subscriptions ---
    pytest.param([PAID_PERIOD], AccountState("professional", FEB28, True, "sub_1"), id="first-invoice-grants-period"),
    pytest.param([session(T0, mode="subscription", customer="cus_1", sub="sub_1")], AccountState(),
                 id="subscription-checkout-alone-links-only"),
    pytest.param([PAID_PERIOD, subscription(FEB28, period_end=MAR31), invoice(FEB28 + 3600, [("price_pro", FEB28, MAR31)])],
                 AccountState("professional", MAR31, True, "sub_1"), id="renewal-moves-paid-until"),
    pytest.param([PAID_PERIOD, subscription(FEB28, period_end=MAR31)],
                 AccountState("professional", FEB28, True, "sub_1"), id="period-advance-unpaid-grants-nothing-yet"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, price="price_biz")],
                 AccountState("business", FEB28, True, "sub_1"), id="plan-change-switches-type-at-once"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, price="price_biz_year", period_end=ts("2027-01-31T10:10:00")),
                  invoice(T0 + 601, [("price_pro", T0 + 600, FEB28, True, -2800),
                                     ("price_biz_year", T0 + 600, ts("2027-01-31T10:10:00"))],
                          reason="subscription_update")],
                 AccountState("business", ts("2027-01-31T10:10:00"), True, "sub_1"),
                 id="interval-change-follows-new-period-prorations-ignored"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, cape=True)], AccountState("professional", FEB28, False, "sub_1"),
                 id="cancel-at-period-end-keeps-access-stops-renewal"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, cape=True), subscription(T0 + 660)],
                 AccountState("professional", FEB28, True, "sub_1"), id="undo-restores-auto-renew"),
    pytest.param([subscription(T0 + 660), subscription(T0 + 600, cape=True), PAID_PERIOD],
                 AccountState("professional", FEB28, True, "sub_1"), id="latest-snapshot-wins-whatever-the-order"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, cape=True),
                  subscription(FEB28, cape=True, status="canceled", deleted=True, ended_at=FEB28)],
                 AccountState("professional", FEB28, False, "sub_1"), id="deleted-at-period-end"),
    pytest.param([PAID_PERIOD, subscription(T0 + 600, status="canceled", deleted=True, ended_at=T0 + 600)],
                 AccountState("professional", T0 + 600, False, "sub_1"), id="cancel-now-ends-access-immediately"),
    pytest.param([PAID_PERIOD, subscription(FEB28, period_end=MAR31), subscription(FEB28 + 3600, status="past_due",
                  period_end=MAR31), subscription(FEB28 + 8 * 86400, status="canceled", deleted=True,
                                                  ended_at=FEB28 + 8 * 86400)],
                 AccountState("professional", FEB28, False, "sub_1"), id="failed-renewal-keeps-only-paid-time"),
    pytest.param([invoice(T0, [("price_pro", T0, FEB28)], pre_basil=True),
                  subscription(T0 + 600, cape=True, pre_basil=True)],
                 AccountState("professional", FEB28, False, "sub_1"), id="pre-basil-shapes"),
    pytest.param([invoice(T0, [("price_pro", T0, FEB28)], status="open")], AccountState(), id="unpaid-invoice-ignored"),
    # --- subscription and one-time purchases together ---
    pytest.param([PAID_PERIOD, subscription(T0 + 60, status="canceled", deleted=True, ended_at=T0 + 60),
                  session(T0 + 120, id="cs_9", mode="payment")],
                 AccountState("professional", shift_months(T0 + 120, 1), False, "sub_1"),
                 id="one-time-after-cancel-now"),
]


@pytest.mark.parametrize("events, expected", CASES)
def test_rule(events, expected):
    assert run(events) == expected


@pytest.mark.parametrize("events, expected", CASES)
def test_rule_holds_in_reverse_order(events, expected):
    assert run(list(reversed(events))) == expected


def test_quantity_multiplies_months_and_multi_line_grants_in_order():
    resolver = StaticResolver(lines={"cs_1": [SessionLine("price_pro", None, 2)],
                                     "cs_2": [SessionLine("price_school_3", None, 1)]})
    assert run([session(T0)], resolver) == AccountState("professional", MAR31, False)
    assert run([session(T0), session(T0 + 1, id="cs_2")], resolver) == AccountState(
        "school", shift_months(T0 + 1, 3), False)


@pytest.mark.parametrize("metadata, reason", [
    pytest.param({"interval": "1"}, "'accountType' is missing", id="missing-type"),
    pytest.param({"AccountType": "professional", "interval": "1"}, "keys are case-sensitive", id="wrong-case-type"),
    pytest.param({"accountType": "Professional", "interval": "1"}, "values are case-sensitive", id="wrong-case-value"),
    pytest.param({"accountType": "premium", "interval": "1"}, "is not one of", id="unknown-type"),
    pytest.param({"accountType": "business"}, "'interval' is missing", id="missing-interval"),
    pytest.param({"accountType": "business", "Interval": "1"}, "keys are case-sensitive", id="wrong-case-interval"),
    pytest.param({"accountType": "business", "interval": "1.5"}, "positive whole number", id="fractional-interval"),
    pytest.param({"accountType": "business", "interval": "one"}, "positive whole number", id="word-interval"),
    pytest.param({"accountType": "business", "interval": "0"}, "positive whole number", id="zero-interval"),
    pytest.param({"accountType": "business", "interval": "-1"}, "positive whole number", id="negative-interval"),
])
@pytest.mark.parametrize("event", [
    session(T0), PAID_PERIOD, subscription(T0 + 600, price="price_bad")], ids=["checkout", "invoice", "updated"])
def test_products_breaking_the_guide_are_rejected_with_the_reason(metadata, reason, event):
    catalogue = {**CATALOGUE, "price_pro": ("prod_bad", metadata), "price_bad": ("prod_bad", metadata)}
    result = interpret(EventMeta("evt_1", event[0], event[1]), event[2], StaticResolver(catalogue))
    assert result.outcome == REJECTED and reason in result.reason and not result.facts


def test_unknown_price_is_rejected():
    result = interpret(EventMeta("evt_1", "invoice.paid", T0), invoice(T0, [("price_gone", T0, FEB28)])[2],
                       StaticResolver())
    assert result.outcome == REJECTED and "price_gone" in result.reason


def test_other_event_types_are_ignored():
    result = interpret(EventMeta("evt_1", "invoice.payment_failed", T0), {"id": "in_1"}, StaticResolver())
    assert result.outcome == IGNORED


def test_account_keys_come_from_reference_then_customer_and_subscription():
    type_, at, obj = session(T0, mode="subscription", customer="cus_1", sub="sub_1")
    result = interpret(EventMeta("evt_1", type_, at), obj, StaticResolver())
    assert result.outcome == APPLY
    assert (result.keys.ref, result.keys.customer, result.keys.subscription) == ("acct-1", "cus_1", "sub_1")


def test_reads_stripe_objects_as_well_as_dicts():
    type_, at, obj = invoice(T0, [("price_pro", T0, FEB28)])
    event = stripe.Event.construct_from({"id": "evt_1", "object": "event", "type": type_, "created": at,
                                         "data": {"object": obj}}, "sk_test_x")
    result = interpret(EventMeta("evt_1", type_, at), event.data.object, StaticResolver())
    assert result.outcome == APPLY and result.facts[0].data["end"] == FEB28


@pytest.mark.parametrize("start, months, end", [
    ("2026-01-31T10:00:00", 1, "2026-02-28T10:00:00"),
    ("2028-01-31T10:00:00", 1, "2028-02-29T10:00:00"),
    ("2026-01-31T10:00:00", 2, "2026-03-31T10:00:00"),
    ("2026-03-31T00:00:00", 1, "2026-04-30T00:00:00"),
    ("2026-12-15T00:00:00", 1, "2027-01-15T00:00:00"),
    ("2026-02-28T00:00:00", 12, "2027-02-28T00:00:00"),
])
def test_month_arithmetic_matches_stripe(start, months, end):
    assert shift_months(ts(start), months) == ts(end)


def test_active_is_paid_until_in_the_future():
    state = AccountState("professional", FEB28, True)
    assert state.active(FEB28 - 1) and not state.active(FEB28) and not AccountState().active(0)
