"""Generated objects: SDK-declared fields, Stripe's OpenAPI schemas, both API-version shapes."""

import pytest
import stripe
from stripe.checkout import Session

from simulator.stories import SEQUENCES
from simulator.versions import CURRENT, PRE_BASIL
from tests.support.openapi import require_spec
from tests.support.stories import STORIES, all_events, covered_sequences, story_events

SDK_CLASSES = {cls.OBJECT_NAME: cls for cls in (
    Session, stripe.Invoice, stripe.InvoiceLineItem, stripe.Subscription, stripe.SubscriptionItem,
    stripe.Customer, stripe.PaymentIntent, stripe.Charge, stripe.Price, stripe.Product, stripe.TaxRate,
    stripe.Event, stripe.Plan)}


def declared(obj_type: str) -> set[str]:
    cls = SDK_CLASSES[obj_type]
    return {name for klass in cls.__mro__ for name in getattr(klass, "__annotations__", {})} | {"object"}


def nested_objects(value):
    """Every dict with an `object` key inside `value`, `value` included."""
    if isinstance(value, dict):
        if "object" in value and value["object"] in SDK_CLASSES:
            yield value
        for child in value.values():
            yield from nested_objects(child)
    elif isinstance(value, list):
        for child in value:
            yield from nested_objects(child)


def test_stories_cover_every_sequence():
    assert covered_sequences() == set(SEQUENCES)


def test_sequences_emit_exactly_what_they_list():
    emitted: dict[str, set[str]] = {}
    for story, (_, names) in STORIES.items():
        events = story_events(story, CURRENT)
        # Attribute each event to its sequence by replaying the story one sequence at a time.
        for count in range(1, len(names) + 1):
            before = {e["id"] for e in story_events_prefix(story, count - 1)}
            new = [e for e in story_events_prefix(story, count) if e["id"] not in before]
            emitted.setdefault(names[count - 1], set()).update(e["type"] for e in new)
        assert events
    for name, sequence in SEQUENCES.items():
        assert emitted[name] == set(sequence.emits), name


def story_events_prefix(story: str, count: int) -> list[dict]:
    from simulator.stories import new_story
    from tests.support.stories import START
    options, names = STORIES[story]
    return new_story(seed="t", start=START, account="acct-1", **options).run(names[:count], CURRENT)


@pytest.mark.parametrize("version", [CURRENT, PRE_BASIL])
def test_envelopes(version):
    for event in all_events(version):
        assert list(event) == ["id", "object", "api_version", "created", "data", "livemode",
                               "pending_webhooks", "request", "type"]
        assert event["object"] == "event" and event["api_version"] == version
        assert event["livemode"] is False and event["pending_webhooks"] >= 1
        assert set(event["request"]) == {"id", "idempotency_key"}
        assert ("previous_attributes" in event["data"]) == event["type"].endswith(".updated")


def test_every_top_level_field_is_declared_by_the_sdk():
    for event in all_events(CURRENT):
        assert set(event) <= declared("event")
        for obj in nested_objects(event["data"]["object"]):
            extra = set(obj) - declared(obj["object"])
            assert not extra, f"{event['type']}: {obj['object']} has undeclared fields {sorted(extra)}"


SCHEMAS = {"line_item": "line_item", "subscription_item": "subscription_item"}


@pytest.mark.openapi
def test_every_data_object_validates_against_the_openapi_spec():
    validator = require_spec()
    seen = set()
    for event in all_events(CURRENT):
        obj = event["data"]["object"]
        errors = validator.validate_object(obj, obj["object"])
        assert not errors, f"{event['type']} ({obj['object']}): {errors[:5]}"
        envelope = validator.validate_object(event, "event")
        assert not envelope, f"{event['type']} envelope: {envelope[:5]}"
        seen.add(obj["object"])
    assert {"checkout.session", "invoice", "subscription", "customer", "payment_intent", "charge"} <= seen


def _first(events, type_, **match):
    for e in events:
        obj = e["data"]["object"]
        if e["type"] == type_ and all(obj.get(k) == v for k, v in match.items()):
            return e
    raise AssertionError(f"no {type_} {match}")


def test_current_shape_uses_the_new_locations():
    events = story_events("lifecycle", CURRENT)
    invoice = _first(events, "invoice.paid")["data"]["object"]
    assert "subscription" not in invoice and "paid" not in invoice and "payment_intent" not in invoice
    assert invoice["parent"]["subscription_details"]["subscription"].startswith("sub_")
    line = invoice["lines"]["data"][0]
    assert "price" not in line and line["pricing"]["price_details"]["price"].startswith("price_")
    sub = _first(events, "customer.subscription.created")["data"]["object"]
    assert "current_period_end" not in sub
    assert sub["items"]["data"][0]["current_period_end"] > sub["items"]["data"][0]["current_period_start"]


def test_pre_basil_shape_uses_the_old_locations():
    events = story_events("lifecycle", PRE_BASIL)
    invoice = _first(events, "invoice.paid")["data"]["object"]
    assert "parent" not in invoice and invoice["paid"] is True
    assert invoice["subscription"].startswith("sub_")
    line = invoice["lines"]["data"][0]
    assert "pricing" not in line and line["price"]["id"].startswith("price_") and line["type"] == "subscription"
    sub = _first(events, "customer.subscription.created")["data"]["object"]
    assert sub["current_period_end"] > sub["current_period_start"]
    assert "current_period_end" not in sub["items"]["data"][0]
    renewal = [e for e in events if e["type"] == "customer.subscription.updated"][0]
    assert set(renewal["data"]["previous_attributes"]) >= {"current_period_start", "current_period_end", "latest_invoice"}


@pytest.mark.parametrize("story, total, tax", [
    pytest.param("lifecycle", 3123, 223, id="exclusive"),
    pytest.param("inclusive-tax", 2900, 207, id="inclusive"),
    pytest.param("untaxed", 2900, 0, id="untaxed"),
])
def test_tax_amounts(story, total, tax):
    events = story_events(story, CURRENT)
    session = _first(events, "checkout.session.completed")["data"]["object"]
    assert (session["amount_subtotal"], session["total_details"]["amount_tax"], session["amount_total"]) == (2900, tax, total)
    invoice = _first(events, "invoice.paid")["data"]["object"]
    assert (invoice["subtotal"], invoice["total"], invoice["amount_paid"]) == (2900, total, total)
    if tax:
        assert invoice["total_taxes"][0]["amount"] == tax
        assert invoice["lines"]["data"][0]["taxes"][0]["amount"] == tax


def test_plan_change_reports_the_whole_old_items_array():
    events = story_events("lifecycle", CURRENT)
    created = _first(events, "customer.subscription.created")["data"]["object"]
    change = [e for e in events if e["type"] == "customer.subscription.updated"][1]
    old_items = change["data"]["previous_attributes"]["items"]["data"]
    assert old_items[0]["price"]["id"] == created["items"]["data"][0]["price"]["id"]
    assert old_items[0]["id"] == change["data"]["object"]["items"]["data"][0]["id"]
    assert change["data"]["object"]["items"]["data"][0]["price"]["id"] != old_items[0]["price"]["id"]
    assert set(old_items[0]) == set(change["data"]["object"]["items"]["data"][0])
    assert change["request"]["id"].startswith("req_")


def test_interval_change_restarts_the_period_and_invoices_now():
    events = story_events("interval-change", CURRENT)
    change = [e for e in events if e["type"] == "customer.subscription.updated"][0]
    item = change["data"]["object"]["items"]["data"][0]
    assert item["price"]["recurring"] == {**item["price"]["recurring"], "interval": "year", "interval_count": 1}
    assert item["current_period_start"] == change["created"]
    invoice = _first(events, "invoice.paid", billing_reason="subscription_update")["data"]["object"]
    proration = [line for line in invoice["lines"]["data"] if line["parent"]["subscription_item_details"]["proration"]]
    assert proration and proration[0]["amount"] < 0


def test_cancellation_set_undone_then_deleted_at_period_end():
    events = story_events("lifecycle", CURRENT)
    updates = [e for e in events if e["type"] == "customer.subscription.updated"]
    cancel, undo, cancel_again = updates[-3:]
    assert cancel["data"]["object"]["cancel_at_period_end"] is True
    assert cancel["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert undo["data"]["object"]["cancel_at_period_end"] is False
    assert undo["data"]["previous_attributes"]["cancel_at_period_end"] is True
    deleted = _first(events, "customer.subscription.deleted")
    sub = deleted["data"]["object"]
    end = sub["items"]["data"][0]["current_period_end"]
    assert sub["status"] == "canceled" and sub["ended_at"] == end == deleted["created"]
    assert deleted["request"]["id"] is None


def test_failed_renewal_goes_past_due_then_deleted_for_payment_failure():
    events = story_events("dunning", CURRENT)
    failures = [e for e in events if e["type"] == "invoice.payment_failed"]
    assert [f["data"]["object"]["attempt_count"] for f in failures] == [1, 2, 3, 4]
    assert failures[-1]["data"]["object"]["next_payment_attempt"] is None
    past_due = [e for e in events if e["type"] == "customer.subscription.updated"][-1]
    assert past_due["data"]["object"]["status"] == "past_due"
    assert past_due["data"]["previous_attributes"]["status"] == "active"
    deleted = _first(events, "customer.subscription.deleted")["data"]["object"]
    assert deleted["cancellation_details"]["reason"] == "payment_failed"


def test_renewals_follow_stripe_month_arithmetic_from_jan_31():
    from datetime import datetime, timezone
    events = story_events("untaxed", CURRENT)  # starts 2026-01-31
    paid = [e["data"]["object"] for e in events if e["type"] == "invoice.paid"]
    ends = [datetime.fromtimestamp(i["lines"]["data"][0]["period"]["end"], tz=timezone.utc).date().isoformat()
            for i in paid]
    assert ends == ["2026-02-28", "2026-03-31"]


def test_one_time_purchases():
    events = story_events("one-time", CURRENT)
    sessions = [e["data"]["object"] for e in events if e["type"] == "checkout.session.completed"]
    assert [s["mode"] for s in sessions] == ["payment"] * 3
    assert [s["payment_status"] for s in sessions] == ["paid", "paid", "unpaid"]
    assert sessions[0]["customer"] is None and sessions[0]["payment_intent"].startswith("pi_")
    assert sessions[1]["invoice"].startswith("in_")
    manual = _first(events, "invoice.paid")["data"]["object"]
    assert manual["billing_reason"] == "manual" and manual["parent"] is None
    later = _first(events, "checkout.session.async_payment_succeeded")["data"]["object"]
    assert later["id"] == sessions[2]["id"] and later["payment_status"] == "paid"


def test_account_reference_reaches_every_object_of_a_purchase():
    events = story_events("lifecycle", CURRENT, account="acct-77")
    session = _first(events, "checkout.session.completed")["data"]["object"]
    assert session["client_reference_id"] == "acct-77" and session["metadata"] == {"accountRef": "acct-77"}
    sub = _first(events, "customer.subscription.created")["data"]["object"]
    assert sub["metadata"] == {"accountRef": "acct-77"}
    invoice = _first(events, "invoice.paid")["data"]["object"]
    assert invoice["parent"]["subscription_details"]["metadata"] == {"accountRef": "acct-77"}


def test_events_are_created_in_simulated_time_order():
    for story in STORIES:
        created = [e["created"] for e in story_events(story, CURRENT)]
        assert created == sorted(created), story
