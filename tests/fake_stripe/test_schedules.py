"""Subscription schedules over time, through the SDK on test clocks: the start, the moves from phase to phase, the
end (released or completed), the expiring notice and a schedule aborted by dunning; every event strictly valid."""

import json

import pytest
import stripe

from simulator.spec import validate_object
from tests.fake_stripe.conftest import START

pytestmark = pytest.mark.timeout(60)

DAY = 86400
FEB_28 = 1772272800  # START + one month: 2026-01-31 → 2026-02-28 (Stripe's month arithmetic)
MAR_31 = 1774951200  # two months on: back to the 31st


def events(http, **params) -> list[dict]:
    """Every event the fake made (oldest first), each checked strictly against the spec: envelope and object."""
    data = http("GET", "/v1/events", params={"limit": 100, **params}).json()["data"][::-1]
    for event in data:
        assert validate_object("event", event) == [], event["type"]
        obj = event["data"]["object"]
        assert validate_object(obj["object"], obj) == [], event["type"]
    return data


def of(data: list[dict], *types: str) -> list[dict]:
    """The events of these types, in order."""
    return [e for e in data if e["type"] in types]


def strict(obj) -> None:
    data = json.loads(obj.last_response.body)
    assert validate_object(data["object"], data) == []


@pytest.fixture
def clock(client):
    """A test clock at START."""
    return client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "schedules"})


def customer_on(client, clock, *, card=True):
    """A customer on the clock, with a card source or with no payment method at all."""
    params = {"email": "schedule@example.com", "test_clock": clock.id}
    if card:
        params["source"] = "tok_visa"
    return client.v1.customers.create(params)


def two_phases(client, customer, price, **extra):
    """Monthly: one seat for a month, then two seats for a month."""
    return client.v1.subscription_schedules.create({
        "customer": customer.id, "start_date": "now", **extra,
        "phases": [{"items": [{"price": price.id, "quantity": 1}], "duration": {"interval": "month"}},
                   {"items": [{"price": price.id, "quantity": 2}], "duration": {"interval": "month"}}]})


def advance(client, clock, to):
    """Move the test clock to `to`, in steps of at most 28 days (Stripe's limit is two billing periods)."""
    now = client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time
    while now < to:
        now = min(to, now + 28 * DAY)
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": now})


def test_phases_move_at_their_end_date_then_release_keeps_the_subscription(client, http, clock, guide):
    price = guide["professional_1m_recurring"]
    schedule = two_phases(client, customer_on(client, clock), price)
    strict(schedule)
    assert schedule.status == "active" and schedule.current_phase.start_date == START
    assert [(p.start_date, p.end_date) for p in schedule.phases] == [(START, FEB_28), (FEB_28, MAR_31)]
    sub = client.v1.subscriptions.retrieve(schedule.subscription)
    assert sub.schedule == schedule.id and sub.items.data[0].quantity == 1

    advance(client, clock, FEB_28 + 2 * 3600)
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    assert (schedule.status, schedule.current_phase.start_date, schedule.current_phase.end_date) == (
        "active", FEB_28, MAR_31)
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub.items.data[0].quantity == 2
    cycle = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (cycle.billing_reason, cycle.amount_due, cycle.status) == ("subscription_cycle", 5800, "paid")
    moved = of(events(http), "subscription_schedule.updated")[-1]
    assert moved["created"] == FEB_28
    assert moved["data"]["previous_attributes"]["current_phase"] == {"start_date": START, "end_date": FEB_28}
    change = of(events(http), "customer.subscription.updated")
    assert any(e["data"]["previous_attributes"].get("items") for e in change)  # the seat count moved
    assert not of(events(http), "invoiceitem.created")  # a phase ending with its period prorates nothing

    advance(client, clock, MAR_31 + 2 * 3600)
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    strict(schedule)
    # Stripe's guide: a schedule is completed after its last phase; with `release` its subscription goes on alone
    # (`released` is the release endpoint's).
    assert (schedule.status, schedule.released_at, schedule.released_subscription, schedule.subscription,
            schedule.current_phase, schedule.completed_at) == ("completed", None, sub.id, None, None, MAR_31)
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert (sub.status, sub.schedule, sub.items.data[0].quantity) == ("active", None, 2)
    completed = of(events(http), "subscription_schedule.completed")
    assert [e["created"] for e in completed] == [MAR_31]
    assert not of(events(http), "subscription_schedule.released", "subscription_schedule.canceled")


def test_end_behavior_cancel_completes_the_schedule_and_cancels_the_subscription(client, http, clock, guide):
    price = guide["professional_1m_recurring"]
    schedule = two_phases(client, customer_on(client, clock), price, end_behavior="cancel")
    advance(client, clock, MAR_31 + 3600)
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    strict(schedule)
    assert (schedule.status, schedule.completed_at, schedule.released_at, schedule.canceled_at) == (
        "completed", MAR_31, None, None)
    sub = client.v1.subscriptions.retrieve(schedule.subscription)
    assert (sub.status, sub.ended_at) == ("canceled", MAR_31)
    data = events(http)
    ends = of(data, "customer.subscription.deleted", "subscription_schedule.completed")
    assert [(e["type"], e["created"]) for e in ends] == [("customer.subscription.deleted", MAR_31),
                                                         ("subscription_schedule.completed", MAR_31)]
    assert not of(data, "subscription_schedule.released", "subscription_schedule.canceled")
    # Two periods billed (the first and the renewal into phase 2), none after the end.
    assert len(client.v1.invoices.list({"subscription": sub.id}).data) == 2


def test_a_schedule_starting_later_makes_its_subscription_at_its_start_date(client, http, clock, guide):
    start = START + 10 * DAY
    customer = customer_on(client, clock)
    schedule = client.v1.subscription_schedules.create({
        "customer": customer.id, "start_date": start,
        "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}], "duration": {"interval": "month"}}]})
    assert (schedule.status, schedule.subscription, schedule.current_phase) == ("not_started", None, None)
    advance(client, clock, start - 1)
    assert client.v1.subscription_schedules.retrieve(schedule.id).status == "not_started"
    advance(client, clock, start + 2 * 3600)
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    assert schedule.status == "active" and schedule.current_phase.start_date == start
    sub = client.v1.subscriptions.retrieve(schedule.subscription)
    assert (sub.status, sub.start_date, sub.schedule) == ("active", start, schedule.id)
    # Like a renewal: the first invoice waits an hour as a draft, then is charged.
    assert client.v1.invoices.retrieve(sub.latest_invoice).status == "paid"
    data = events(http)
    started = of(data, "customer.subscription.created", "invoice.created", "subscription_schedule.updated",
                 "invoice.paid")
    assert [(e["type"], e["created"] - start) for e in started] == [
        ("customer.subscription.created", 0), ("invoice.created", 0), ("subscription_schedule.updated", 0),
        ("invoice.paid", 3600)]
    assert started[2]["data"]["previous_attributes"]["status"] == "not_started"


def test_expiring_is_sent_seven_days_before_the_end(client, http, clock, guide):
    end = START + 30 * DAY
    schedule = client.v1.subscription_schedules.create({
        "customer": customer_on(client, clock).id, "start_date": "now", "end_behavior": "cancel",
        "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}], "end_date": end}]})
    advance(client, clock, end - 7 * DAY - 1)
    assert not of(events(http), "subscription_schedule.expiring")
    advance(client, clock, end - 7 * DAY)
    expiring = of(events(http), "subscription_schedule.expiring")
    assert [(e["created"], e["data"]["object"]["id"], e["data"]["object"]["status"]) for e in expiring] == [
        (end - 7 * DAY, schedule.id, "active")]
    advance(client, clock, end + 3600)
    assert len(of(events(http), "subscription_schedule.expiring")) == 1
    assert client.v1.subscription_schedules.retrieve(schedule.id).status == "completed"


def test_a_mid_period_phase_end_prorates(client, http, clock, guide):
    price = guide["professional_1m_recurring"]
    half = START + 14 * DAY
    schedule = client.v1.subscription_schedules.create({
        "customer": customer_on(client, clock).id, "start_date": "now",
        "phases": [{"items": [{"price": price.id}], "end_date": half},
                   {"items": [{"price": guide["business_1m_recurring"].id}], "duration": {"interval": "month"}}]})
    advance(client, clock, half + 60)
    sub = client.v1.subscriptions.retrieve(schedule.subscription)
    assert [i.price.id for i in sub.items.data] == [guide["business_1m_recurring"].id]
    prorations = of(events(http), "invoiceitem.created")
    assert sorted(e["data"]["object"]["amount"] < 0 for e in prorations) == [False, True]


def test_a_customer_without_payment_method_is_past_due_without_retries_and_the_schedule_goes_on(client, http, clock,
                                                                                                guide):
    """Stripe's retry docs: no payment method, no retries; so no dunning ends the subscription or aborts the
    schedule (the Stripe CLI's completed and expiring fixtures count on it)."""
    schedule = client.v1.subscription_schedules.create({
        "customer": customer_on(client, clock, card=False).id, "start_date": "now",
        "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}], "duration": {"interval": "month"}}]})
    assert schedule.status == "active"
    sub = client.v1.subscriptions.retrieve(schedule.subscription)
    assert sub.status == "active" and client.v1.invoices.retrieve(sub.latest_invoice).status == "draft"
    advance(client, clock, START + 3600)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.attempt_count, invoice.next_payment_attempt) == ("open", 1, None)
    advance(client, clock, START + 20 * DAY)
    assert client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    assert client.v1.invoices.retrieve(invoice.id).attempt_count == 1  # never retried
    advance(client, clock, FEB_28 + 3600)
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    strict(schedule)
    assert schedule.status == "completed"
    assert not of(events(http), "subscription_schedule.aborted", "customer.subscription.deleted")


def test_dunning_that_cancels_the_subscription_aborts_the_schedule(client, http, clock, guide):
    customer = customer_on(client, clock, card=False)
    client.v1.customers.update(customer.id, {"source": "tok_chargeCustomerFail"})  # attaches; its charges decline
    schedule = client.v1.subscription_schedules.create({
        "customer": customer.id, "start_date": START + DAY,
        "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}], "duration": {"interval": "month"}}]})
    advance(client, clock, START + DAY + 3600)
    sub = client.v1.subscriptions.retrieve(client.v1.subscription_schedules.retrieve(schedule.id).subscription)
    assert sub.status == "past_due"
    advance(client, clock, START + 10 * DAY)
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert (sub.status, sub.cancellation_details.reason) == ("canceled", "payment_failed")
    schedule = client.v1.subscription_schedules.retrieve(schedule.id)
    strict(schedule)
    assert (schedule.status, schedule.canceled_at) == ("canceled", sub.ended_at)
    data = events(http)
    assert [e["type"] for e in of(data, "customer.subscription.deleted", "subscription_schedule.aborted",
                                  "subscription_schedule.canceled")] == [
        "customer.subscription.deleted", "subscription_schedule.aborted"]


def test_canceling_the_subscription_cancels_its_schedule_once(client, http, clock, guide):
    schedule = two_phases(client, customer_on(client, clock), guide["professional_1m_recurring"])
    client.v1.subscriptions.cancel(schedule.subscription)
    assert client.v1.subscription_schedules.retrieve(schedule.id).status == "canceled"
    assert len(of(events(http), "subscription_schedule.canceled")) == 1
    advance(client, clock, MAR_31 + 3600)  # no phase moves for a canceled schedule
    assert not of(events(http), "subscription_schedule.updated", "subscription_schedule.released")


def test_canceling_a_schedule_that_has_not_started_sends_canceled_not_aborted(client, http, clock, guide):
    schedule = client.v1.subscription_schedules.create({
        "customer": customer_on(client, clock).id, "start_date": START + DAY,
        "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}]}]})
    canceled = client.v1.subscription_schedules.cancel(schedule.id, {"invoice_now": False, "prorate": False})
    assert (canceled.status, canceled.canceled_at, canceled.subscription) == ("canceled", START, None)
    advance(client, clock, START + 2 * DAY)
    data = events(http)
    assert [e["type"] for e in of(data, *(f"subscription_schedule.{t}" for t in (
        "created", "canceled", "aborted", "updated")))] == ["subscription_schedule.created",
                                                            "subscription_schedule.canceled"]
    assert not of(data, "customer.subscription.created")


@pytest.mark.parametrize("phase, param, message", [
    pytest.param({"duration": {"interval": "month"}, "end_date": START + DAY}, "phases[0]", "only specify one",
                 id="duration-and-end-date"),
    pytest.param({"end_date": START - DAY}, "phases[0][end_date]", "after its start", id="end-before-start"),
])
def test_bad_phases_change_nothing(client, http, clock, guide, phase, param, message):
    customer = customer_on(client, clock)
    with pytest.raises(stripe.InvalidRequestError, match=message) as raised:
        client.v1.subscription_schedules.create({
            "customer": customer.id, "start_date": "now",
            "phases": [{"items": [{"price": guide["professional_1m_recurring"].id}], **phase}]})
    assert raised.value.param == param
    assert client.v1.subscription_schedules.list().data == []
    assert client.v1.subscriptions.list({"customer": customer.id}).data == []


def test_iterations_is_unknown_from_clover_on(http, guide):
    customer = http("POST", "/v1/customers", data={"source": "tok_visa"}).json()
    body = {"customer": customer["id"], "phases[0][items][0][price]": guide["professional_1m_recurring"].id,
            "phases[0][iterations]": 2}
    answer = http("POST", "/v1/subscription_schedules", data=body, headers={"Stripe-Version": "2025-09-30.clover"})
    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["param"]) == (
        "parameter_unknown", "phases[0][iterations]")
    assert http("GET", "/v1/subscription_schedules").json()["data"] == []


def test_canceling_an_active_schedule_cancels_its_subscription_with_one_canceled_event(client, http, clock, guide):
    schedule = two_phases(client, customer_on(client, clock), guide["professional_1m_recurring"])
    canceled = client.v1.subscription_schedules.cancel(schedule.id)
    strict(canceled)
    assert (canceled.status, canceled.canceled_at, canceled.current_phase) == ("canceled", START, None)
    assert client.v1.subscriptions.retrieve(schedule.subscription).status == "canceled"
    data = events(http)
    assert [e["type"] for e in of(data, "customer.subscription.deleted", "subscription_schedule.canceled",
                                  "subscription_schedule.aborted")] == [
        "customer.subscription.deleted", "subscription_schedule.canceled"]


@pytest.mark.parametrize("version", ["2025-08-27.basil", "2025-02-24.acacia"])
def test_iterations_count_periods_of_the_price_until_clover(http, guide, version):
    customer = http("POST", "/v1/customers", data={"source": "tok_visa"}).json()
    body = {"customer": customer["id"], "start_date": "now", "end_behavior": "cancel",
            "phases[0][items][0][price]": guide["professional_1m_recurring"].id, "phases[0][iterations]": 2}
    answer = http("POST", "/v1/subscription_schedules", data=body, headers={"Stripe-Version": version})
    assert answer.status_code == 200, answer.text
    phase = answer.json()["phases"][0]
    assert (phase["start_date"], phase["end_date"]) == (START, MAR_31)  # two months from Jan 31
    assert "iterations" not in phase
