"""Webhook fan-out, renewals, plan changes, cancellations, dunning and test clocks."""

import json
import time

import pytest
import requests
import stripe

from simulator.delivery.receiver import serving
from simulator.versions import CURRENT, PRE_BASIL
from tests.support.sink import ScriptedSink

from .conftest import START, advance, complete, subscription_session
from tests.support.sim import sim_auth

PURCHASE = ["charge.succeeded", "payment_method.attached", "customer.created", "customer.updated",
            "checkout.session.completed", "customer.subscription.created", "payment_intent.created",
            "payment_intent.succeeded", "invoice.created", "invoice.finalized", "invoice.paid",
            "invoice.payment_succeeded"]
FEB_28, MAR_31 = 1772272800, 1774951200  # the Jan 31 anchor's next period ends


def subscribe(client, base_url, guide, **kwargs) -> dict:
    """Complete a subscription Checkout; returns the completed session."""
    return complete(base_url, subscription_session(client, guide, **kwargs).id).json()


def events_of(client, type: str) -> list:
    """Every event of one type, oldest first."""
    return list(client.v1.events.list({"type": type, "limit": 100}).auto_paging_iter())[::-1]


def test_purchase_fan_out_is_signed_ordered_and_verifiable(client, base_url, fake, guide, hooks):
    with hooks() as (receiver, endpoint):
        done = subscribe(client, base_url, guide)
        assert fake.wait_for_deliveries(5)
    assert [r.type for r in receiver.received] == PURCHASE
    assert all(r.verified for r in receiver.received)  # stripe.Webhook.construct_event accepted each one
    completed = client.v1.events.retrieve(receiver.received[4].event_id)
    assert completed.data.object.id == done["id"] and completed.data.object.subscription == done["subscription"]
    assert completed.request.id is None and completed.api_version == "2026-10-28.endive"
    assert completed.pending_webhooks == 0
    assert all(d["ok"] and d["endpoint"] == endpoint.id for d in fake.deliveries)


def test_endpoints_get_only_their_events_in_their_api_version(client, base_url, fake, guide, hooks):
    with hooks(events=["invoice.paid"], api_version=PRE_BASIL) as (old, _), \
            hooks(events=["invoice.paid", "customer.subscription.created"]) as (new, _):
        done = subscribe(client, base_url, guide)
        assert fake.wait_for_deliveries(5)
    assert [r.type for r in old.received] == ["invoice.paid"]
    assert [r.type for r in new.received] == ["customer.subscription.created", "invoice.paid"]
    deliveries = {d["endpoint"]: d for d in fake.deliveries if d["type"] == "invoice.paid"}
    assert len(deliveries) == 2
    paid = events_of(client, "invoice.paid")[0]
    assert paid.data.object.parent.subscription_details.subscription == done["subscription"]


def test_pre_basil_rendering_on_the_wire(base_url, guide, client, http):
    done = subscribe(client, base_url, guide)
    old = http("GET", f"/v1/invoices/{done['invoice']}", headers={"Stripe-Version": PRE_BASIL})
    assert old.headers["Stripe-Version"] == PRE_BASIL
    invoice = old.json()
    assert invoice["subscription"] == done["subscription"] and "parent" not in invoice and invoice["paid"] is True
    assert invoice["lines"]["data"][0]["price"]["id"] == guide["professional_1m_recurring"].id
    sub = http("GET", f"/v1/subscriptions/{done['subscription']}", headers={"Stripe-Version": "2024-06-20"}).json()
    assert sub["current_period_end"] == FEB_28 and "current_period_end" not in sub["items"]["data"][0]
    # Events are rendered once, when made: a Stripe-Version header does not re-render them.
    events = http("GET", "/v1/events?type=invoice.paid", headers={"Stripe-Version": PRE_BASIL}).json()
    assert events["data"][0]["api_version"] == CURRENT
    assert events["data"][0]["data"]["object"]["parent"]["subscription_details"]["subscription"] == done["subscription"]
    one = http("GET", f"/v1/events/{events['data'][0]['id']}", headers={"Stripe-Version": PRE_BASIL}).json()
    assert one == events["data"][0]
    resent = http("POST", f"/v1/events/{one['id']}/retry", headers={"Stripe-Version": PRE_BASIL}).json()
    assert resent == one


def test_failed_deliveries_are_retried_without_blocking_the_api(client, base_url, fake, guide):
    sink = ScriptedSink(script=[500, 200], delay=0.3)
    with serving(sink) as target:
        client.v1.webhook_endpoints.create({"url": target + "/hook", "enabled_events": ["customer.created"]})
        started = time.monotonic()
        customer = client.v1.customers.create({"email": "a@example.com"})
        assert time.monotonic() - started < 0.25  # the slow endpoint is not on the request path
        assert fake.wait_for_deliveries(5)
    attempts = [(d["attempt"], d["status"]) for d in fake.deliveries]
    assert attempts == [(1, 500), (2, 200)]
    assert fake.deliveries[0]["next_retry_in"] == pytest.approx(60 * fake.time_scale)
    assert [json.loads(h.body)["id"] for h in sink.hits] == [events_of(client, "customer.created")[-1].id] * 2
    assert sink.hits[0].t <= sink.hits[1].t and customer.id
    listed = requests.get(base_url + "/_sim/deliveries", headers=sim_auth(), timeout=5).json()
    assert [d["status"] for d in listed["data"]] == [500, 200] and listed["pending"] == 0


def test_clock_advance_renews_with_the_new_period(client, base_url, fake, guide, hooks):
    done = subscribe(client, base_url, guide)
    with hooks(events=["customer.subscription.updated", "invoice.created", "invoice.paid"]) as (receiver, _):
        assert advance(base_url, to=FEB_28 + 3600) == FEB_28 + 3600
        assert fake.wait_for_deliveries(5)
    assert [r.type for r in receiver.received] == ["customer.subscription.updated", "invoice.created", "invoice.paid"]
    updated, created, paid = (events_of(client, t)[-1] for t in ("customer.subscription.updated", "invoice.created",
                                                                    "invoice.paid"))
    assert updated.data.previous_attributes["items"].data[0].current_period_end == FEB_28
    assert updated.data.previous_attributes.latest_invoice == done["invoice"]
    assert created.data.object.status == "draft" and created.created == FEB_28
    invoice = paid.data.object
    assert (invoice.billing_reason, invoice.amount_paid, paid.created) == ("subscription_cycle", 3123, FEB_28 + 3600)
    assert (invoice.lines.data[0].period.start, invoice.lines.data[0].period.end) == (FEB_28, MAR_31)
    assert invoice.parent.subscription_details.metadata["accountRef"] == "acct-42"
    assert fake.now == FEB_28 + 3600


def test_plan_change_with_prorations_billed_at_renewal(client, base_url, guide):
    sub_id = subscribe(client, base_url, guide)["subscription"]
    item = client.v1.subscriptions.retrieve(sub_id)["items"].data[0]
    advance(base_url, seconds=14 * 86400)
    business = guide["business_1m_recurring"].id
    sub = client.v1.subscriptions.update(sub_id, {"items": [{"id": item.id, "price": business}]})
    assert sub["items"].data[0].price.id == guide["business_1m_recurring"].id
    updated = events_of(client, "customer.subscription.updated")[-1]
    assert updated.data.previous_attributes["items"].data[0].price.id == guide["professional_1m_recurring"].id
    assert updated.request.id and len(events_of(client, "invoiceitem.created")) == 2
    advance(base_url, to=FEB_28 + 3600)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub_id).latest_invoice)
    prorations = [line for line in renewal.lines.data if line.parent.subscription_item_details.proration]
    assert len(prorations) == 2 and sum(line.amount for line in prorations) > 0
    assert renewal.status == "paid" and renewal.billing_reason == "subscription_cycle"


def test_plan_change_always_invoice_and_interval_change_invoice_now(client, base_url, guide):
    sub_id = subscribe(client, base_url, guide)["subscription"]
    item_id = client.v1.subscriptions.retrieve(sub_id)["items"].data[0].id
    client.v1.subscriptions.update(sub_id, {"items": [{"id": item_id, "price": guide["business_1m_recurring"].id}],
                                            "proration_behavior": "always_invoice"})
    paid = events_of(client, "invoice.paid")[-1].data.object
    assert paid.billing_reason == "subscription_update" and paid.parent.subscription_details.subscription == sub_id
    sub = client.v1.subscriptions.update(sub_id, {"items": [{"id": item_id,
                                                             "price": guide["professional_12m_recurring"].id}]})
    period = sub["items"].data[0]
    assert (period.current_period_start, period.current_period_end) == (START, 1801389600)  # a year on
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    assert invoice.lines.data[-1].amount == 29000


def test_cancel_at_period_end_then_deleted_when_the_period_ends(client, base_url, guide):
    sub_id = subscribe(client, base_url, guide)["subscription"]
    sub = client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})
    assert (sub.status, sub.cancel_at_period_end, sub.canceled_at, sub.cancel_at) == ("active", True, START, FEB_28)
    updated = events_of(client, "customer.subscription.updated")[-1]
    assert updated.data.previous_attributes.cancel_at_period_end is False
    advance(base_url, to=FEB_28)
    deleted = events_of(client, "customer.subscription.deleted")[-1]
    assert (deleted.data.object.status, deleted.data.object.ended_at, deleted.request.id) == ("canceled", FEB_28, None)
    assert client.v1.subscriptions.list({"customer": sub.customer}).data == []
    assert [s.id for s in client.v1.subscriptions.list({"status": "canceled"}).data] == [sub_id]


def test_cancel_now(client, base_url, guide):
    sub_id = subscribe(client, base_url, guide)["subscription"]
    sub = client.v1.subscriptions.cancel(sub_id, {"cancellation_details": {"comment": "bye"}})
    assert (sub.status, sub.canceled_at, sub.ended_at, sub.cancellation_details.reason) == \
        ("canceled", START, START, "cancellation_requested")
    deleted = events_of(client, "customer.subscription.deleted")[-1]
    assert deleted.request.id and deleted.data.object.cancellation_details.comment == "bye"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(sub_id, {"cancel_at_period_end": True})


def test_failed_renewal_goes_past_due_then_cancels(client, base_url, guide):
    done = subscribe(client, base_url, guide)
    assert requests.post(f"{base_url}/_sim/customers/{done['customer']}/card",
                         data={"card": "4000000000000341"}, headers=sim_auth(), timeout=5).status_code == 200
    advance(base_url, to=FEB_28 + 3600)
    failed = events_of(client, "invoice.payment_failed")
    assert len(failed) == 1 and failed[0].data.object.next_payment_attempt == FEB_28 + 3600 + 3 * 86400
    assert client.v1.subscriptions.retrieve(done["subscription"]).status == "past_due"
    advance(base_url, seconds=8 * 86400)
    assert len(events_of(client, "invoice.payment_failed")) == 4
    deleted = events_of(client, "customer.subscription.deleted")[-1].data.object
    assert (deleted.status, deleted.cancellation_details.reason) == ("canceled", "payment_failed")


def test_test_clock_drives_its_customers_renewals(client, base_url, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START, "name": "renewal"})
    customer = client.v1.customers.create({"email": "clock@example.com", "test_clock": clock.id})
    session = subscription_session(client, guide, customer=customer.id, customer_email=None)
    done = complete(base_url, session.id).json()
    sub = client.v1.subscriptions.retrieve(done["subscription"])
    assert sub.test_clock == clock.id and client.v1.invoices.retrieve(done["invoice"]).test_clock == clock.id
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + 90 * 86400})
    assert exc.value.param == "frozen_time"
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": FEB_28 + 2 * 3600})
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"
    paid = events_of(client, "invoice.paid")[-1].data.object
    assert paid.billing_reason == "subscription_cycle" and paid.lines.data[0].period.end == MAR_31
    assert client.v1.subscriptions.retrieve(sub.id)["items"].data[0].current_period_start == FEB_28
    types = [e.type for e in client.v1.events.list({"type": "test_helpers.test_clock.*"}).data]
    assert types == ["test_helpers.test_clock.ready", "test_helpers.test_clock.advancing",
                     "test_helpers.test_clock.created"]
    assert client.v1.test_helpers.test_clocks.delete(clock.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve(customer.id)


def test_subscriptions_created_through_the_api_on_a_test_clock(client, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "api@example.com", "test_clock": clock.id,
                                           "payment_method": "pm_card_visa"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.create({"customer": customer.id,
                                        "items": [{"price": guide["professional_1m_recurring"].id}]})
    assert exc.value.param == "default_payment_method"
    pm = client.v1.customers.payment_methods.list(customer.id).data[0]
    sub = client.v1.subscriptions.create({
        "customer": customer.id, "default_payment_method": pm.id, "metadata": {"accountRef": "acct-api"},
        "items": [{"price": guide["professional_1m_recurring"].id}], "default_tax_rates": [guide["vat"].id]})
    assert (sub.status, sub.test_clock) == ("active", clock.id)
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.amount_paid, first.billing_reason) == ("paid", 3123, "subscription_create")
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": FEB_28 + 3600})
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (renewal.billing_reason, renewal.status, renewal.created) == ("subscription_cycle", "paid", FEB_28)
    declining = client.v1.customers.create({"email": "no@example.com", "payment_method": "pm_card_chargeCustomerFail"})
    pm = client.v1.customers.payment_methods.list(declining.id).data[0]
    failed = client.v1.subscriptions.create({"customer": declining.id, "default_payment_method": pm.id,
                                             "items": [{"price": guide["business_1m_recurring"].id}]})
    assert failed.status == "incomplete"
    assert client.v1.invoices.retrieve(failed.latest_invoice).status == "open"


def test_deleting_a_customer_ends_its_subscriptions(client, base_url, guide):
    done = subscribe(client, base_url, guide)
    assert client.v1.customers.delete(done["customer"]).deleted is True
    deleted = events_of(client, "customer.subscription.deleted")[-1].data.object
    assert (deleted.id, deleted.status) == (done["subscription"], "canceled")
    assert events_of(client, "customer.deleted")[-1].data.object.id == done["customer"]
