"""The resources behind Stripe CLI's fixtures, through the SDK: state transitions, Stripe's errors for the wrong
ones (4xx, nothing changed), and every answer valid against the packaged spec (strict)."""

import json

import pytest
import stripe

from simulator.spec import validate_object

pytestmark = pytest.mark.timeout(60)


def strict(obj) -> None:
    data = json.loads(obj.last_response.body)  # as sent (the SDK turns decimal strings into Decimals)
    kind = f"deleted_{data['object']}" if data.get("deleted") else data["object"]
    assert validate_object(kind, data) == []


def test_manual_capture_then_refunds_up_to_what_was_captured(client):
    intent = client.v1.payment_intents.create({"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
                                               "capture_method": "manual", "confirm": True})
    assert intent.status == "requires_capture" and intent.amount_capturable == 2000
    with pytest.raises(stripe.InvalidRequestError, match="cannot be more than the amount capturable"):
        client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 2500})
    captured = client.v1.payment_intents.capture(intent.id, {"amount_to_capture": 1500})
    assert captured.status == "succeeded" and captured.amount_received == 1500
    strict(captured)
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 1000})
    strict(refund)
    with pytest.raises(stripe.InvalidRequestError, match=r"greater than unrefunded amount on charge \(500\)"):
        client.v1.refunds.create({"payment_intent": intent.id, "amount": 600})
    client.v1.refunds.create({"payment_intent": intent.id})
    charge = client.v1.charges.retrieve(captured.latest_charge)
    assert charge.refunded is True and charge.amount_refunded == 1500
    with pytest.raises(stripe.InvalidRequestError, match="cannot cancel this PaymentIntent"):
        client.v1.payment_intents.cancel(intent.id)


def test_declines_and_3d_secure_leave_the_intent_in_stripes_states(client):
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create({"amount": 100, "currency": "usd", "payment_method": "pm_card_chargeDeclined",
                                          "confirm": True})
    failed = client.v1.payment_intents.retrieve(declined.value.error.payment_intent["id"])
    assert failed.status == "requires_payment_method" and failed.last_payment_error.decline_code == "generic_decline"
    action = client.v1.payment_intents.create({"amount": 100, "currency": "usd", "confirm": True,
                                               "payment_method": "pm_card_threeDSecure2Required"})
    assert action.status == "requires_action" and action.next_action.type == "use_stripe_sdk"
    strict(action)
    # Before endive a type the fake does not simulate is refused by name; from endive the parameter is gone.
    with pytest.raises(stripe.InvalidRequestError, match="Invalid payment_method_types"):
        client.v1.payment_intents.create({"amount": 100, "currency": "usd", "payment_method_types": ["ideal"]},
                                         options={"stripe_version": "2026-08-26.dahlia"})
    with pytest.raises(stripe.InvalidRequestError) as removed:
        client.v1.payment_intents.create({"amount": 100, "currency": "usd", "payment_method_types": ["card"]})
    assert removed.value.code == "payment_method_types_no_longer_supported"


def test_a_credit_note_lowers_what_an_open_invoice_asks_and_void_restores_it(client):
    customer = client.v1.customers.create({"email": "credit@example.com"})
    client.v1.invoice_items.create({"customer": customer.id, "amount": 2000, "currency": "usd"})
    invoice = client.v1.invoices.create({"customer": customer.id, "pending_invoice_items_behavior": "include"})
    assert invoice.status == "draft" and invoice.total == 2000
    invoice = client.v1.invoices.finalize_invoice(invoice.id)
    note = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 500})
    strict(note)
    assert client.v1.invoices.retrieve(invoice.id).amount_due == 1500
    with pytest.raises(stripe.InvalidRequestError, match="more than the invoice has left"):
        client.v1.credit_notes.create({"invoice": invoice.id, "amount": 1600})
    client.v1.credit_notes.void_credit_note(note.id)
    assert client.v1.invoices.retrieve(invoice.id).amount_due == 2000
    with pytest.raises(stripe.InvalidRequestError, match="only a draft invoice can change"):
        client.v1.invoices.delete(invoice.id)


def test_setup_intents_save_cards_and_fail_declines(client):
    customer = client.v1.customers.create({"email": "setup@example.com"})
    setup = client.v1.setup_intents.create({"customer": customer.id, "payment_method": "pm_card_visa",
                                            "confirm": True})
    assert setup.status == "succeeded"
    assert client.v1.payment_methods.retrieve(setup.payment_method).customer == customer.id
    strict(setup)
    with pytest.raises(stripe.CardError):
        client.v1.setup_intents.create({"payment_method": "pm_card_chargeDeclined", "confirm": True})


def test_quotes_and_schedules_make_subscriptions_charged_to_a_card_source(client, guide):
    customer = client.v1.customers.create({"email": "quote@example.com", "source": "tok_visa"})
    assert customer.default_source.startswith("card_")
    price = guide["professional_1m_recurring"]
    quote = client.v1.quotes.create({"customer": customer.id, "line_items": [{"price": price.id, "quantity": 2}]})
    with pytest.raises(stripe.InvalidRequestError, match="must be open"):
        client.v1.quotes.accept(quote.id)
    client.v1.quotes.finalize_quote(quote.id)
    accepted = client.v1.quotes.accept(quote.id)
    strict(accepted)
    sub = client.v1.subscriptions.retrieve(accepted.subscription)
    assert sub.status == "active" and sub.items.data[0].quantity == 2
    schedule = client.v1.subscription_schedules.create({
        "customer": customer.id, "start_date": "now",
        "phases": [{"items": [{"price": price.id}], "duration": {"interval": "month"}}]})
    assert schedule.status == "active" and schedule.subscription
    strict(schedule)
    canceled = client.v1.subscription_schedules.cancel(schedule.id)
    assert canceled.status == "canceled"
    assert client.v1.subscriptions.retrieve(schedule.subscription).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError, match="cannot release a subscription schedule that is canceled"):
        client.v1.subscription_schedules.release(schedule.id)


def test_a_customer_updated_with_a_source_gets_it_as_default_and_loses_the_old_default(client, http):
    customer = client.v1.customers.create({"email": "swap@example.com", "source": "tok_visa"})
    first = customer.default_source
    customer = client.v1.customers.update(customer.id, {"source": "tok_chargeCustomerFail"})
    assert customer.default_source not in (None, first)
    assert [s.id for s in client.v1.customers.payment_sources.list(customer.id).data] == [customer.default_source]
    deleted = http("GET", "/v1/events", params={"type": "customer.source.deleted"}).json()["data"]
    assert [e["data"]["object"]["id"] for e in deleted] == [first]
    refused = http("POST", f"/v1/customers/{customer.id}", data={"source": "tok_bogus", "name": "Changed"})
    assert (refused.status_code, refused.json()["error"]["param"]) == (400, "source")
    assert client.v1.customers.retrieve(customer.id).name is None  # nothing changed
