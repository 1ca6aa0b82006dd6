"""ACH Direct Debit (`us_bank_account`) PaymentIntents settle later as Stripe's test account numbers say: settled,
failed with a failure code or disputed right after `processing`; any other account four days later. Through the
SDK, every event strictly valid against the packaged schema and in Stripe's order; bad input changes nothing."""

import contextlib
import io
import re
from pathlib import Path

import pytest
import stripe

from simulator.ach import ROUTING_NUMBER, SETTLE_DELAY, TEST_ACCOUNTS
from tests.support.events import events_about

pytestmark = pytest.mark.timeout(120)

SUCCEEDS, DISPUTED, CLOSED = "000123456789", "000555555559", "000111111113"
LIVE_LIKE = "000987654321"  # not one of Stripe's test account numbers
ACCEPTANCE = {"customer_acceptance": {"type": "online",
                                      "online": {"ip_address": "127.0.0.1", "user_agent": "pytest"}}}
VERSION = {"stripe_version": "2026-08-26.dahlia"}


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


def account(number: str, routing: str = ROUTING_NUMBER) -> dict:
    """`payment_method_data` for an individual's checking account."""
    return {"type": "us_bank_account", "billing_details": {"name": "Jenny Rosen", "email": "jenny@example.com"},
            "us_bank_account": {"account_number": number, "routing_number": routing,
                                "account_holder_type": "individual", "account_type": "checking"}}


def debit(client, number: str, **extra):
    """A confirmed USD PaymentIntent debiting `number`, with the customer's mandate acceptance."""
    params = {"amount": 2700, "currency": "usd", "payment_method_types": ["us_bank_account"], "confirm": True,
              "payment_method_data": account(number), "mandate_data": ACCEPTANCE, **extra}
    return client.v1.payment_intents.create(params, VERSION)


def test_a_payment_method_has_the_specs_us_bank_account_shape(client, validator, http):
    pm = client.v1.payment_methods.create(account(SUCCEEDS), VERSION)
    raw = http("GET", f"/v1/payment_methods/{pm.id}").json()
    assert validator.validate_object(raw, "payment_method") == []
    bank = raw["us_bank_account"]
    assert (bank["bank_name"], bank["last4"], bank["routing_number"], bank["account_type"],
            bank["account_holder_type"], bank["networks"]) == (
        "STRIPE TEST BANK", "6789", ROUTING_NUMBER, "checking", "individual", {"preferred": "ach", "supported": ["ach"]})
    again = client.v1.payment_methods.create(account(SUCCEEDS), VERSION)
    assert again.us_bank_account.fingerprint == bank["fingerprint"] and again.id != pm.id
    assert raw["billing_details"]["name"] == "Jenny Rosen"


def test_a_succeeding_account_answers_processing_then_settles_in_order(client, fake, validator, http):
    intent = debit(client, SUCCEEDS)
    assert intent.status == "processing"
    assert intent.payment_method_options.us_bank_account.verification_method == "automatic"
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.amount_received) == ("succeeded", 2700)
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert (charge.status, charge.paid, charge.payment_method_details.type) == ("succeeded", True, "us_bank_account")
    assert charge.payment_method_details.us_bank_account.last4 == "6789"
    assert events_about({intent.id}, validator, http) == [
        "payment_intent.created", "payment_intent.processing", "charge.pending", "charge.succeeded",
        "payment_intent.succeeded"]


@pytest.mark.parametrize("number", [n for n, o in TEST_ACCOUNTS.items() if o.result == "failed"])
def test_a_failing_account_fails_with_stripes_failure_code(client, validator, http, number):
    intent = debit(client, number)
    assert intent.status == "processing"
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.payment_method, now.amount_received) == ("requires_payment_method", None, 0)
    assert now.last_payment_error.payment_method.us_bank_account.last4 == number[-4:]
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert (charge.status, charge.failure_code) == ("failed", TEST_ACCOUNTS[number].failure_code)
    assert charge.failure_message
    assert events_about({intent.id}, validator, http) == [
        "payment_intent.created", "payment_intent.processing", "charge.pending", "charge.failed",
        "payment_intent.payment_failed"]


def test_the_failure_codes_are_stripes():
    assert {o.failure_code for o in TEST_ACCOUNTS.values() if o.result == "failed"} == {
        "account_closed", "no_account", "insufficient_funds", "debit_not_authorized", "invalid_currency"}


def test_a_disputed_account_succeeds_then_opens_a_dispute(client, validator, http):
    intent = debit(client, DISPUTED)
    now = client.v1.payment_intents.retrieve(intent.id)
    assert now.status == "succeeded"
    assert client.v1.charges.retrieve(now.latest_charge).disputed is True
    assert events_about({intent.id}, validator, http)[-3:] == [
        "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created"]


def test_an_account_outside_the_table_settles_four_days_later(client, fake):
    intent = debit(client, LIVE_LIKE)
    fake.advance(seconds=SETTLE_DELAY - 1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"
    fake.advance(seconds=1)
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_confirm_off_session_with_a_saved_method_and_instant_verification(client):
    pm = client.v1.payment_methods.create(account(CLOSED), VERSION)
    intent = client.v1.payment_intents.create({
        "amount": 500, "currency": "usd", "payment_method_types": ["us_bank_account"], "payment_method": pm.id,
        "payment_method_options": {"us_bank_account": {"verification_method": "instant"}}}, VERSION)
    assert intent.payment_method_options.us_bank_account.verification_method == "instant"
    confirmed = client.v1.payment_intents.confirm(intent.id, {"off_session": True}, VERSION)
    assert confirmed.status == "processing"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def nothing_changed(client, fake, before: int) -> None:
    assert client.v1.payment_intents.list().data == []
    assert len(list(fake.state.store.all("event"))) == before


@pytest.mark.parametrize("change, param", [
    (lambda p: p.pop("mandate_data"), "mandate_data"),
    (lambda p: p.update(currency="eur"), "currency"),
    (lambda p: p.update(payment_method_options={"us_bank_account": {"verification_method": "microdeposits"}}),
     "payment_method_options[us_bank_account][verification_method]"),
    (lambda p: p["payment_method_data"]["billing_details"].pop("name"), "billing_details[name]"),
    (lambda p: p["payment_method_data"]["us_bank_account"].update(routing_number="110000001"),
     "us_bank_account[routing_number]"),
    (lambda p: p["payment_method_data"]["us_bank_account"].update(account_number="12ab"),
     "us_bank_account[account_number]"),
], ids=["no-mandate", "not-usd", "microdeposits", "no-name", "bad-routing", "bad-account"])
def test_bad_input_is_refused_and_changes_nothing(client, fake, change, param):
    params = {"amount": 2700, "currency": "usd", "payment_method_types": ["us_bank_account"], "confirm": True,
              "payment_method_data": account(SUCCEEDS), "mandate_data": ACCEPTANCE}
    change(params)
    before = len(list(fake.state.store.all("event")))
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create(params, VERSION)
    assert (caught.value.http_status, caught.value.param) == (400, param)
    assert caught.value.error.type == "invalid_request_error"
    nothing_changed(client, fake, before)
    assert client.v1.payment_methods.list().data == []


def test_confirm_without_a_mandate_changes_nothing(client, fake):
    pm = client.v1.payment_methods.create(account(SUCCEEDS), VERSION)
    intent = client.v1.payment_intents.create({"amount": 500, "currency": "usd", "payment_method": pm.id,
                                               "payment_method_types": ["us_bank_account"]}, VERSION)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.confirm(intent.id, {}, VERSION)
    assert caught.value.param == "mandate_data"
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.latest_charge) == ("requires_confirmation", None)


def test_the_ach_example_in_the_docs_runs_as_printed():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fake-stripe.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", doc, flags=re.S) if "sk_test_ach" in b)
    expected = [line.split("# ")[-1].strip() for line in block.splitlines() if "# " in line]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(block, {})
    assert out.getvalue().splitlines() == expected
