"""Lifecycle holes filled: paying an invoice, incomplete subscriptions, retries on one PaymentIntent, proration
tax rates and charge.updated — through the official SDK, every response strictly valid against the schema."""

import pytest
import requests
import stripe

from .conftest import START, advance, complete, subscription_session
from tests.support.sim import sim_auth

FEB_28 = 1772272800  # the Jan 31 anchor's first period end
HOUR, DAY = 3600, 86400


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


def valid(validator, obj, method: str, template: str):
    """`obj` (an SDK object) after checking its raw response body against the operation's schema."""
    errors = validator.validate_response(obj.last_response.data, method, template)
    assert errors == [], errors[:5]
    return obj


def events(client, type: str) -> list:
    """Every event of one type, oldest first."""
    return list(client.v1.events.list({"type": type, "limit": 100}).auto_paging_iter())[::-1]


def check_events(validator, http, found: list) -> None:
    """Each event, as the API sends it, validates strictly with its data object."""
    assert found
    for event in found:
        raw = http("GET", f"/v1/events/{event.id}").json()
        obj = raw["data"]["object"]
        assert validator.validate_object(raw, "event") + validator.validate_object(obj, obj["object"]) == []


def declining_subscription(client, guide, clock: str | None = None):
    """An API-created subscription whose first charge fails (card 0341 attaches, then declines): incomplete."""
    params = {"email": "late@example.com", "payment_method": "pm_card_chargeCustomerFail"}
    if clock:
        params["test_clock"] = clock
    customer = client.v1.customers.create(params)
    pm = client.v1.customers.payment_methods.list(customer.id).data[0]
    sub = client.v1.subscriptions.create({"customer": customer.id, "default_payment_method": pm.id,
                                          "items": [{"price": guide["professional_1m_recurring"].id,
                                                     "tax_rates": [guide["vat"].id]}]})
    return customer, sub


def test_paying_the_first_invoice_activates_an_incomplete_subscription(client, guide, validator, http):
    customer, sub = declining_subscription(client, guide)
    assert sub.status == "incomplete"
    first = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (first.status, first.attempt_count) == ("open", 1)
    failed_intent = events(client, "payment_intent.payment_failed")[-1].data.object
    assert failed_intent.status == "requires_payment_method"
    good = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})

    paid = valid(validator, client.v1.invoices.pay(first.id, {"payment_method": good.id}),
                 "POST", "/v1/invoices/{invoice}/pay")
    assert (paid.status, paid.amount_paid, paid.attempt_count) == ("paid", 3123, 2)
    now = valid(validator, client.v1.subscriptions.retrieve(sub.id), "GET", "/v1/subscriptions/{subscription_exposed_id}")
    assert now.status == "active"
    activated = events(client, "customer.subscription.updated")[-1]
    assert activated.data.previous_attributes.status == "incomplete" and activated.data.object.status == "active"
    # The retry confirmed the invoice's own PaymentIntent again: one intent, two charges.
    succeeded = events(client, "payment_intent.succeeded")[-1].data.object
    assert succeeded.id == failed_intent.id and succeeded.latest_charge != failed_intent.latest_charge
    created = [e.data.object.id for e in events(client, "payment_intent.created")]
    assert created.count(failed_intent.id) == 1
    charges = client.v1.charges.list({"customer": customer.id}).data
    assert {c.payment_intent for c in charges} == {failed_intent.id} and len(charges) == 2
    valid(validator, client.v1.payment_intents.retrieve(failed_intent.id), "GET", "/v1/payment_intents/{intent}")
    check_events(validator, http, events(client, "customer.subscription.updated") + events(client, "invoice.paid"))

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(first.id)


def test_a_declined_pay_answers_402_after_its_events(client, guide, validator, http):
    _, sub = declining_subscription(client, guide)
    with pytest.raises(stripe.CardError) as exc:
        client.v1.invoices.pay(sub.latest_invoice)
    assert exc.value.code == "card_declined"
    invoice = client.v1.invoices.retrieve(sub.latest_invoice)
    assert (invoice.status, invoice.attempt_count) == ("open", 2)
    assert client.v1.subscriptions.retrieve(sub.id).status == "incomplete"
    failures = events(client, "payment_intent.payment_failed")
    assert len(failures) == 2 and failures[0].data.object.id == failures[1].data.object.id
    check_events(validator, http, failures + events(client, "invoice.payment_failed"))


def test_an_unpaid_incomplete_subscription_expires_after_23_hours(client, base_url, guide, validator, http):
    _, sub = declining_subscription(client, guide)
    advance(base_url, to=START + 23 * HOUR - 1)
    assert client.v1.subscriptions.retrieve(sub.id).status == "incomplete"
    advance(base_url, to=START + 23 * HOUR)
    expired = valid(validator, client.v1.subscriptions.retrieve(sub.id), "GET",
                    "/v1/subscriptions/{subscription_exposed_id}")
    assert (expired.status, expired.ended_at) == ("incomplete_expired", START + 23 * HOUR)
    invoice = valid(validator, client.v1.invoices.retrieve(sub.latest_invoice), "GET", "/v1/invoices/{invoice}")
    assert (invoice.status, invoice.status_transitions.voided_at) == ("void", START + 23 * HOUR)
    updated = events(client, "customer.subscription.updated")[-1]
    assert updated.data.previous_attributes.status == "incomplete" and updated.created == START + 23 * HOUR
    check_events(validator, http, [updated] + events(client, "invoice.voided"))
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.pay(invoice.id)
    # Nothing renews an expired subscription.
    advance(base_url, to=FEB_28 + 2 * HOUR)
    assert [e.data.object.billing_reason for e in events(client, "invoice.created")] == ["subscription_create"]


def test_expiry_and_activation_run_on_a_test_clock(client, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    _, late = declining_subscription(client, guide, clock.id)
    customer, paid = declining_subscription(client, guide, clock.id)
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + HOUR})
    good = client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    client.v1.invoices.pay(paid.latest_invoice, {"payment_method": good.id})
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + DAY})
    assert client.v1.subscriptions.retrieve(late.id).status == "incomplete_expired"
    assert client.v1.subscriptions.retrieve(paid.id).status == "active"


def test_every_retry_of_a_failed_invoice_uses_its_payment_intent(client, base_url, guide, validator):
    done = complete(base_url, subscription_session(client, guide).id).json()
    assert requests.post(f"{base_url}/_sim/customers/{done['customer']}/card", data={"card": "4000000000000341"},
                         headers=sim_auth(), timeout=5).status_code == 200
    advance(base_url, to=FEB_28 + HOUR + 8 * DAY)
    renewal = [e.data.object for e in events(client, "invoice.payment_failed")]
    assert len(renewal) == 4 and len({i.id for i in renewal}) == 1
    charges = [c for c in client.v1.charges.list({"customer": done["customer"], "limit": 100}).data
               if c.status == "failed"]
    intents = {c.payment_intent for c in charges}
    assert len(charges) == 4 and len(intents) == 1
    intent = valid(validator, client.v1.payment_intents.retrieve(intents.pop()), "GET", "/v1/payment_intents/{intent}")
    # Charges are listed newest first: the intent points at the last retry's.
    assert (intent.status, intent.latest_charge) == ("requires_payment_method", charges[0].id)
    assert [e.data.object.id for e in events(client, "payment_intent.created")].count(intent.id) == 1
    assert len([e for e in events(client, "payment_intent.payment_failed") if e.data.object.id == intent.id]) == 4


def test_proration_items_carry_the_subscription_items_tax_rates(client, base_url, guide, validator, http):
    done = complete(base_url, subscription_session(client, guide).id).json()
    sub = client.v1.subscriptions.retrieve(done["subscription"])
    client.v1.subscriptions.update(sub.id, {"items": [{"id": sub["items"].data[0].id,
                                                       "price": guide["business_1m_recurring"].id}]})
    listed = valid(validator, client.v1.invoice_items.list({"customer": done["customer"]}), "GET", "/v1/invoiceitems")
    assert len(listed.data) == 2
    for item in listed.data:
        assert [r.id for r in item.tax_rates] == [guide["vat"].id]
        valid(validator, client.v1.invoice_items.retrieve(item.id), "GET", "/v1/invoiceitems/{invoiceitem}")
    created = events(client, "invoiceitem.created")
    assert [[r.id for r in e.data.object.tax_rates] for e in created] == [[guide["vat"].id]] * 2
    check_events(validator, http, created)


def test_charge_updated_names_what_changed_and_cards_report_amount_authorized(client, base_url, guide, validator, http):
    session = subscription_session(client, guide, price="professional_1m_one_time", mode="payment",
                                   subscription_data=None)
    complete(base_url, session.id)
    updated = events(client, "charge.updated")[-1]
    assert updated.data.previous_attributes.to_dict() == {"balance_transaction": None}
    assert updated.data.object.balance_transaction.startswith("txn_")
    card = updated.data.object.payment_method_details.card
    assert card.amount_authorized == updated.data.object.amount == 3123
    check_events(validator, http, [updated])
