"""Trials on the fake's engine, through the official SDK on test clocks: the $0 first invoice,
customer.subscription.trial_will_end three days before the end (not earlier; at once for a shorter trial), each end
behaviour without a payment method, trial_end=now, resuming a paused subscription, and Stripe's errors with nothing
changed. Every event is checked strictly against the packaged spec."""

import pytest
import stripe

from .conftest import START

pytestmark = pytest.mark.timeout(60)
HOUR, DAY = 3600, 86400


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


@pytest.fixture
def clock(client):
    """A test clock frozen at START."""
    return client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "trials"})


def customer_on(client, clock, *, card: bool) -> stripe.Customer:
    """A customer on the clock, with a default card or with no payment method at all."""
    params = {"email": "trial@example.com", "test_clock": clock.id}
    customer = client.v1.customers.create(params)
    if card:
        pm = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
        client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": pm.id}})
    return customer


def trialing(client, guide, customer, **params) -> stripe.Subscription:
    """A monthly professional subscription with a trial (14 days unless the params say otherwise)."""
    return client.v1.subscriptions.create({"customer": customer.id, "trial_period_days": 14,
                                           "items": [{"price": guide["professional_1m_recurring"].id}], **params})


def advance(client, clock, to: int) -> None:
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": to})


def events(client, type: str, sub_id: str | None = None) -> list:
    """Every event of one type (about one subscription, when given), oldest first."""
    found = list(client.v1.events.list({"type": type, "limit": 100}).auto_paging_iter())[::-1]
    return [e for e in found if sub_id is None or sub_id in (e.data.object.id, subscription_of(e.data.object))]


def subscription_of(obj) -> str | None:
    """The subscription an invoice belongs to (basil and later: under parent)."""
    parent = obj.to_dict().get("parent") or {}
    return (parent.get("subscription_details") or {}).get("subscription")


def strict(validator, http, found: list) -> list:
    """Each event, as the API sends it, validates strictly with its data object; returns them."""
    assert found
    for event in found:
        raw = http("GET", f"/v1/events/{event.id}").json()
        obj = raw["data"]["object"]
        assert validator.validate_object(raw, "event") + validator.validate_object(obj, obj["object"]) == []
    return found


def test_a_trial_needs_no_payment_method_and_opens_with_a_paid_zero_invoice(client, guide, clock, validator, http):
    customer = customer_on(client, clock, card=False)
    sub = trialing(client, guide, customer)
    end = START + 14 * DAY
    assert (sub.status, sub.trial_start, sub.trial_end, sub.billing_cycle_anchor) == ("trialing", START, end, end)
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (START, end)
    assert sub.trial_settings.end_behavior.missing_payment_method == "create_invoice"
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.total, first.amount_paid, first.billing_reason) == ("paid", 0, 0, "subscription_create")
    assert first.lines.data[0].description == "Trial period for 1-month Professional Account"
    assert [e.type for e in events(client, "invoice.*", sub.id)] == [
        "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]
    strict(validator, http, events(client, "customer.subscription.created", sub.id))
    assert events(client, "customer.subscription.trial_will_end") == []  # 14 days: not yet


def test_trial_will_end_goes_out_three_days_before_the_end_and_not_earlier(client, guide, clock, validator, http):
    sub = trialing(client, guide, customer_on(client, clock, card=True))
    notice = START + 11 * DAY
    advance(client, clock, notice - 1)
    assert events(client, "customer.subscription.trial_will_end") == []
    advance(client, clock, notice)
    (sent,) = strict(validator, http, events(client, "customer.subscription.trial_will_end"))
    assert (sent.created, sent.data.object.id, sent.data.object.status) == (notice, sub.id, "trialing")
    assert sent.request.id is None  # the clock sent it, not a request
    advance(client, clock, START + 14 * DAY - 1)
    assert len(events(client, "customer.subscription.trial_will_end")) == 1
    assert client.v1.subscriptions.retrieve(sub.id).status == "trialing"


@pytest.mark.parametrize("days", [1, 3])
def test_a_trial_of_three_days_or_less_sends_trial_will_end_at_once(client, guide, clock, validator, http, days):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=days)
    (sent,) = strict(validator, http, events(client, "customer.subscription.trial_will_end"))
    assert (sent.created, sent.data.object.trial_end) == (START, START + days * DAY)
    assert sent.request.id is not None and sub.status == "trialing"
    advance(client, clock, START + days * DAY)
    assert len(events(client, "customer.subscription.trial_will_end")) == 1  # once only


def test_a_four_day_trial_waits_a_day_for_its_notice(client, guide, clock):
    trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=4)
    assert events(client, "customer.subscription.trial_will_end") == []
    advance(client, clock, START + DAY)
    assert [e.created for e in events(client, "customer.subscription.trial_will_end")] == [START + DAY]


def test_with_a_card_the_trials_end_starts_the_first_paid_cycle(client, guide, clock, validator, http):
    sub = trialing(client, guide, customer_on(client, clock, card=True), trial_period_days=7)
    end = START + 7 * DAY
    advance(client, clock, end)
    active = client.v1.subscriptions.retrieve(sub.id)
    assert (active.status, active.trial_end, active.billing_cycle_anchor) == ("active", end, end)
    assert active["items"].data[0].current_period_start == end
    cycle = client.v1.invoices.retrieve(active.latest_invoice)
    assert (cycle.status, cycle.billing_reason, cycle.total) == ("draft", "subscription_cycle", 2900)
    (updated,) = strict(validator, http, [e for e in events(client, "customer.subscription.updated", sub.id)
                                          if e.created == end])
    assert updated.data.previous_attributes.status == "trialing"
    advance(client, clock, end + HOUR)
    assert client.v1.invoices.retrieve(cycle.id).status == "paid"
    strict(validator, http, events(client, "invoice.paid", sub.id))


def test_without_a_payment_method_create_invoice_leaves_it_past_due_with_an_open_invoice(client, guide, clock):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=7)
    advance(client, clock, START + 7 * DAY + HOUR)
    after = client.v1.subscriptions.retrieve(sub.id)
    invoice = client.v1.invoices.retrieve(after.latest_invoice)
    assert (after.status, invoice.status, invoice.billing_reason) == ("past_due", "open", "subscription_cycle")
    assert events(client, "invoice.payment_failed", sub.id)


def test_without_a_payment_method_pause_pauses_and_bills_nothing_more(client, guide, clock, validator, http):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=7,
                   trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    assert sub.trial_settings.end_behavior.missing_payment_method == "pause"
    advance(client, clock, START + 7 * DAY)
    (paused,) = strict(validator, http, events(client, "customer.subscription.paused", sub.id))
    assert (paused.created, paused.data.object.status) == (START + 7 * DAY, "paused")
    advance(client, clock, START + 60 * DAY)
    after = client.v1.subscriptions.retrieve(sub.id)
    assert (after.status, after.latest_invoice) == ("paused", sub.latest_invoice)  # no invoice while paused
    assert [s.id for s in client.v1.subscriptions.list({"status": "paused"}).data] == [sub.id]


def test_without_a_payment_method_cancel_cancels_at_the_trials_end(client, guide, clock, validator, http):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=7,
                   trial_settings={"end_behavior": {"missing_payment_method": "cancel"}})
    advance(client, clock, START + 7 * DAY)
    (deleted,) = strict(validator, http, events(client, "customer.subscription.deleted", sub.id))
    assert (deleted.data.object.status, deleted.data.object.ended_at) == ("canceled", START + 7 * DAY)
    assert client.v1.subscriptions.retrieve(sub.id).status == "canceled"


def test_trial_end_now_ends_the_trial_at_once_as_the_cli_paused_fixture_does(client, guide, clock, validator, http):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=7,
                   trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    paused = client.v1.subscriptions.update(sub.id, {"trial_end": "now"})
    assert (paused.status, paused.trial_end) == ("paused", START)
    made = [e.type for e in client.v1.events.list({"limit": 3}).data][::-1]
    assert made == ["customer.subscription.trial_will_end", "customer.subscription.updated",
                    "customer.subscription.paused"]
    strict(validator, http, events(client, "customer.subscription.trial_will_end", sub.id))
    # Its scheduled end and notice are stale now: nothing more happens on the clock.
    advance(client, clock, START + 8 * DAY)
    assert len(events(client, "customer.subscription.trial_will_end", sub.id)) == 1
    assert len(events(client, "customer.subscription.paused", sub.id)) == 1


def test_trial_end_now_with_a_card_charges_the_first_period_at_once(client, guide, clock):
    sub = trialing(client, guide, customer_on(client, clock, card=True))
    active = client.v1.subscriptions.update(sub.id, {"trial_end": "now"})
    invoice = client.v1.invoices.retrieve(active.latest_invoice)
    assert (active.status, active.billing_cycle_anchor) == ("active", START)
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == ("paid", "subscription_update", 2900)


def test_moving_trial_end_moves_the_notice_and_the_end(client, guide, clock):
    sub = trialing(client, guide, customer_on(client, clock, card=True))
    later = START + 20 * DAY
    moved = client.v1.subscriptions.update(sub.id, {"trial_end": later})
    assert (moved.trial_end, moved.billing_cycle_anchor, moved["items"].data[0].current_period_end) == \
        (later, later, later)
    advance(client, clock, START + 15 * DAY)
    assert events(client, "customer.subscription.trial_will_end") == []
    assert client.v1.subscriptions.retrieve(sub.id).status == "trialing"
    advance(client, clock, later)
    assert [e.created for e in events(client, "customer.subscription.trial_will_end")] == [later - 3 * DAY]
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_resume_invoices_a_new_period_and_sends_resumed(client, guide, clock, validator, http):
    customer = customer_on(client, clock, card=False)
    sub = trialing(client, guide, customer, trial_period_days=7,
                   trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    advance(client, clock, START + 10 * DAY)
    with pytest.raises(stripe.InvalidRequestError, match="resume it first"):
        client.v1.subscriptions.update(sub.id, {"items": [{"id": sub["items"].data[0].id, "quantity": 2}]})
    pm = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.subscriptions.update(sub.id, {"default_payment_method": pm.id})  # allowed while paused
    resumed = client.v1.subscriptions.resume(sub.id)
    now = START + 10 * DAY
    assert (resumed.status, resumed.billing_cycle_anchor) == ("active", now)
    assert resumed["items"].data[0].current_period_start == now
    invoice = client.v1.invoices.retrieve(resumed.latest_invoice)
    assert (invoice.status, invoice.billing_reason, invoice.amount_paid) == ("paid", "subscription_update", 2900)
    (event,) = strict(validator, http, events(client, "customer.subscription.resumed", sub.id))
    assert event.data.object.status == "active" and event.request.id is not None
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.subscriptions.resume(sub.id)
    assert again.value.http_status == 400 and "Only a paused subscription can be resumed" in str(again.value)
    assert len(events(client, "customer.subscription.resumed")) == 1


def test_resume_without_a_payment_method_is_past_due_and_unchanged_anchor_prorates(client, guide, clock):
    sub = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=7,
                   trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    advance(client, clock, START + 10 * DAY)
    unpaid = client.v1.subscriptions.resume(sub.id)
    assert unpaid.status == "past_due"
    assert client.v1.invoices.retrieve(unpaid.latest_invoice).status == "open"
    other = trialing(client, guide, customer_on(client, clock, card=False), trial_period_days=1,
                     trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    assert client.v1.subscriptions.update(other.id, {"trial_end": "now"}).status == "paused"
    free = client.v1.subscriptions.resume(other.id, {"billing_cycle_anchor": {"type": "unchanged"},
                                                     "proration_behavior": "none"})
    assert (free.status, free.latest_invoice, free.billing_cycle_anchor) == ("active", other.latest_invoice,
                                                                            START + 10 * DAY)


@pytest.mark.parametrize(("params", "param", "words"), [
    pytest.param({"trial_end": START - 1}, "trial_end", "in the future", id="trial-end-in-the-past"),
    pytest.param({"trial_end": START + 731 * DAY}, "trial_end", "two years", id="trial-end-too-far"),
    pytest.param({"trial_period_days": 731}, "trial_period_days", "730", id="too-many-days"),
    pytest.param({"trial_period_days": -1}, "trial_period_days", "non-negative", id="negative-days"),
    pytest.param({"trial_period_days": 3, "trial_end": START + DAY}, "trial_end", "only specify one",
                 id="days-and-end"),
    pytest.param({"trial_end": "now"}, "default_payment_method", "no attached payment source", id="now-is-no-trial"),
    pytest.param({"trial_period_days": 3, "trial_settings": {"end_behavior": {"missing_payment_method": "wait"}}},
                 "trial_settings[end_behavior][missing_payment_method]", "", id="unknown-end-behavior"),
])
def test_bad_trials_are_refused_with_stripes_error_and_nothing_made(client, guide, clock, params, param, words):
    customer = customer_on(client, clock, card=False)
    before = client.v1.events.list({"limit": 1}).data[0].id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.create({"customer": customer.id,
                                        "items": [{"price": guide["professional_1m_recurring"].id}], **params})
    assert refused.value.http_status == 400 and refused.value.param == param
    assert words in refused.value.user_message
    assert client.v1.subscriptions.list({"customer": customer.id, "status": "all"}).data == []
    assert client.v1.events.list({"limit": 1}).data[0].id == before


def test_updates_a_trial_refuses_leave_it_unchanged(client, guide, clock):
    sub = trialing(client, guide, customer_on(client, clock, card=True))
    for params, param in (({"trial_end": START - 1}, "trial_end"), ({"trial_end": START + 800 * DAY}, "trial_end")):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.subscriptions.update(sub.id, params)
        assert refused.value.param == param
    assert client.v1.subscriptions.retrieve(sub.id).trial_end == START + 14 * DAY
    active = client.v1.subscriptions.update(sub.id, {"trial_end": "now"})
    with pytest.raises(stripe.InvalidRequestError, match="moves the end of a trial only") as refused:
        client.v1.subscriptions.update(active.id, {"trial_end": START + 5 * DAY})
    assert refused.value.param == "trial_end"
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.subscriptions.resume("sub_missing")
    assert missing.value.http_status == 404


def test_resume_with_an_unchanged_anchor_invoices_the_rest_of_the_period_prorated(client, guide, clock):
    customer = customer_on(client, clock, card=False)
    sub = trialing(client, guide, customer, trial_period_days=9,
                   trial_settings={"end_behavior": {"missing_payment_method": "pause"}})
    anchor = START + 9 * DAY  # Feb 9: the cycle around Feb 23 is Feb 9 - Mar 9, 28 days
    advance(client, clock, START + 23 * DAY)
    pm = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.subscriptions.update(sub.id, {"default_payment_method": pm.id})
    resumed = client.v1.subscriptions.resume(sub.id, {"billing_cycle_anchor": {"type": "unchanged"},
                                                      "proration_behavior": "always_invoice"})
    assert (resumed.status, resumed.billing_cycle_anchor) == ("active", anchor)
    assert resumed["items"].data[0].current_period_end == anchor + 28 * DAY
    invoice = client.v1.invoices.retrieve(resumed.latest_invoice)
    assert (invoice.status, invoice.amount_paid) == ("paid", round(2900 * 14 / 28))
