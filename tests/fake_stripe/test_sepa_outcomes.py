"""SEPA debits end as Stripe's test IBANs say: settled, failed or disputed right after `processing`, or three
minutes later on the clock; any other IBAN three days later. Through PaymentIntents and Checkout's payment_pages
confirm, with the SDK, every event strictly valid against the packaged schema and in Stripe's order."""

import pytest
import stripe

from simulator.sepa import DELAYED, SETTLE_DELAY, TEST_IBANS, TEST_IBANS_BY_COUNTRY
from tests.support.events import events_about

from .conftest import START

pytestmark = pytest.mark.timeout(120)

SUCCEEDS, SUCCEEDS_LATER, FAILS, FAILS_LATER, DISPUTED = TEST_IBANS_BY_COUNTRY["AT"][:5]
INSUFFICIENT = TEST_IBANS_BY_COUNTRY["AT"][7]
LIVE_LIKE = "DE02120300000000202051"  # valid, and not one of Stripe's test IBANs


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


def sepa_pm(client, iban: str):
    """A `sepa_debit` payment method for an IBAN."""
    return client.v1.payment_methods.create({"type": "sepa_debit", "sepa_debit": {"iban": iban},
                                             "billing_details": {"email": "jenny@example.com", "name": "Jenny"}})


def debit(client, iban: str, **extra):
    """A confirmed EUR PaymentIntent debiting `iban`."""
    return client.v1.payment_intents.create({"amount": 2700, "currency": "eur", "payment_method": sepa_pm(client, iban).id,
                                             "payment_method_types": ["sepa_debit"], "confirm": True, **extra},
                                            {"stripe_version": "2026-08-26.dahlia"})


def test_the_table_holds_every_countrys_eight_ibans_with_valid_checksums():
    assert len(TEST_IBANS_BY_COUNTRY) >= 11 and {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "LU", "NL", "PT"} <= set(
        TEST_IBANS_BY_COUNTRY)
    for iban in TEST_IBANS:
        assert int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1, iban
    assert LIVE_LIKE not in TEST_IBANS


def test_a_succeeding_iban_answers_processing_then_settles_at_once_in_order(client, fake, validator, http):
    intent = debit(client, SUCCEEDS)
    assert intent.status == "processing"  # the answer is the processing step
    # Settled before the answer arrived, with no further request (so webhooks go out without one).
    assert "payment_intent.succeeded" in [e["type"] for e in fake.state.store.all("event")]
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.amount_received) == ("succeeded", 2700)
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert (charge.status, charge.paid, charge.payment_method_details.sepa_debit.last4) == ("succeeded", True, "3201")
    assert events_about({intent.id}, validator, http) == [
        "payment_intent.created", "payment_intent.processing", "charge.pending", "charge.succeeded",
        "payment_intent.succeeded"]


def test_a_failing_iban_fails_the_charge_and_asks_for_another_payment_method(client, validator, http):
    intent = debit(client, FAILS)
    assert intent.status == "processing"
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.payment_method, now.amount_received) == ("requires_payment_method", None, 0)
    error = now.last_payment_error
    assert (error.type, error.code, error.message) == ("invalid_request_error",
                                                       "payment_intent_payment_attempt_failed", "The payment failed.")
    assert error.payment_method.sepa_debit.last4 == "3202"
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert (charge.status, charge.paid) == ("failed", False)
    assert events_about({intent.id}, validator, http) == [
        "payment_intent.created", "payment_intent.processing", "charge.pending", "charge.failed",
        "payment_intent.payment_failed"]


def test_a_coded_failure_carries_its_failure_code(client):
    intent = debit(client, INSUFFICIENT)
    charge = client.v1.charges.retrieve(client.v1.payment_intents.retrieve(intent.id).latest_charge)
    assert (charge.status, charge.failure_code) == ("failed", "insufficient_funds")
    assert charge.failure_message


def test_a_disputed_iban_succeeds_then_opens_a_final_dispute(client, validator, http):
    intent = debit(client, DISPUTED)
    now = client.v1.payment_intents.retrieve(intent.id)
    assert now.status == "succeeded"
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert charge.disputed is True
    dispute = client.v1.disputes.list({"charge": charge.id}).data[0]
    assert (dispute.status, dispute.amount, dispute.payment_intent) == ("lost", 2700, intent.id)
    assert events_about({intent.id}, validator, http)[-3:] == [
        "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created"]


@pytest.mark.parametrize("iban, status", [pytest.param(SUCCEEDS_LATER, "succeeded", id="succeeds"),
                                          pytest.param(FAILS_LATER, "requires_payment_method", id="fails")])
def test_a_delayed_iban_stays_processing_for_three_minutes_of_the_clock(client, fake, iban, status):
    intent = debit(client, iban)
    fake.advance(seconds=DELAYED - 1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    fake.advance(seconds=1)
    assert client.v1.payment_intents.retrieve(intent.id).status == status


def test_a_delayed_iban_on_a_test_clock_ends_when_that_clock_passes_three_minutes(client, fake):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "clock@example.com", "test_clock": clock.id})
    intent = debit(client, SUCCEEDS_LATER, customer=customer.id)
    fake.advance(seconds=SETTLE_DELAY)  # the account clock is not the customer's
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": START + DELAYED})
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_an_immediate_iban_on_a_test_clock_ends_without_moving_the_clock(client):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "clock@example.com", "test_clock": clock.id})
    intent = debit(client, FAILS, customer=customer.id)
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == START


def test_an_iban_outside_the_table_settles_three_days_later(client, fake):
    intent = debit(client, LIVE_LIKE)
    fake.advance(seconds=SETTLE_DELAY - 1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    fake.advance(seconds=1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def session_paid_by(client, iban: str):
    """A payment-mode EUR Checkout Session confirmed through payment_pages with a SEPA debit of `iban`."""
    product = client.v1.products.create({"name": "Async"})
    price = client.v1.prices.create({"product": product.id, "currency": "eur", "unit_amount": 1500})
    session = client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://example.com/ok",
                                                  "line_items": [{"price": price.id, "quantity": 2}]})
    response = client.raw_request("post", f"/v1/payment_pages/{session.id}/confirm",
                                  payment_method=sepa_pm(client, iban).id, expected_amount=3000)
    return client.deserialize(response, api_mode="V1")


@pytest.mark.parametrize("iban, payment_status, outcome", [
    pytest.param(SUCCEEDS, "paid", ["charge.succeeded", "payment_intent.succeeded",
                                    "checkout.session.async_payment_succeeded"], id="succeeded"),
    pytest.param(FAILS, "unpaid", ["charge.failed", "payment_intent.payment_failed",
                                   "checkout.session.async_payment_failed"], id="failed")])
def test_checkout_sends_the_async_event_right_after_completed(client, validator, http, iban, payment_status,
                                                              outcome):
    answered = session_paid_by(client, iban)
    assert (answered.status, answered.payment_status) == ("complete", "unpaid")  # the answer: still processing
    session = client.v1.checkout.sessions.retrieve(answered.id)
    assert (session.status, session.payment_status) == ("complete", payment_status)
    assert events_about({session.id, session.payment_intent}, validator, http) == [
        "payment_intent.created", "payment_intent.processing", "charge.pending", "checkout.session.completed",
        *outcome]
    last = client.v1.events.list({"type": outcome[-1]}).data[0].data.object
    assert (last["id"], last["payment_status"]) == (session.id, payment_status)


def test_bad_iban_is_refused_and_nothing_is_debited(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sepa_pm(client, "AT611904300234573202")  # one digit off Stripe's succeeding test IBAN
    assert (caught.value.code, caught.value.param) == ("invalid_bank_account_iban", "sepa_debit[iban]")
    assert client.v1.payment_intents.list().data == []
