"""Customer balance payments: a bank-transfer PaymentIntent waits in `requires_action` with transfer instructions;
`fund_cash_balance` fills the customer's cash balance, which pays it partly (`payment_intent.partially_funded`)
then fully (a charge, `payment_intent.succeeded`); every event strictly valid; bad input changes nothing."""

import pytest
import stripe

pytestmark = pytest.mark.timeout(120)

DAHLIA = {"stripe_version": "2026-08-26.dahlia"}


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


def bank_transfer(client, customer: str | None, *, kind="jp_bank_transfer", currency="jpy", amount=20000,
                  options=None, version=None):
    """A confirmed customer balance PaymentIntent (before endive through `payment_method_types`)."""
    params = {"amount": amount, "currency": currency, "payment_method_data": {"type": "customer_balance"},
              "payment_method_options": {"customer_balance": options or {
                  "funding_type": "bank_transfer", "bank_transfer": {"type": kind}}},
              "confirm": True}
    if customer:
        params["customer"] = customer
    if version:
        params["payment_method_types"] = ["customer_balance"]
        return client.v1.payment_intents.create(params, {"stripe_version": version})
    return client.v1.payment_intents.create(params)


def fund(http, customer: str, amount: int, currency: str = "jpy", **extra):
    """The test helper `fund_cash_balance`, as plain HTTP (the answer as Stripe sends it)."""
    return http("POST", f"/v1/test_helpers/customers/{customer}/fund_cash_balance",
                data={"amount": amount, "currency": currency, **extra})


def events(http, validator, since: str | None = None) -> list[str]:
    """Event types after `since` (an event id), oldest first, each strictly valid with its object."""
    found = []
    for raw in http("GET", "/v1/events", params={"limit": 100}).json()["data"][::-1]:
        data = raw["data"]["object"]
        assert validator.validate_object(raw, "event") + validator.validate_object(data, data["object"]) == []
        found.append((raw["id"], raw["type"]))
    types = [t for _, t in found]
    if since is None:
        return types
    return types[[i for i, _ in found].index(since) + 1:]


def last_event(http) -> str:
    """The newest event's id."""
    return http("GET", "/v1/events", params={"limit": 1}).json()["data"][0]["id"]


def test_partial_then_full_funding_pays_the_intent_in_steps(client, http, validator):
    customer = client.v1.customers.create({"email": "jenny@example.com"}).id
    intent = bank_transfer(client, customer, version="2026-08-26.dahlia")
    step = intent.next_action.display_bank_transfer_instructions
    assert (intent.status, intent.next_action.type) == ("requires_action", "display_bank_transfer_instructions")
    assert (step.amount_remaining, step.currency, step.type) == (20000, "jpy", "jp_bank_transfer")
    assert step.financial_addresses[0].type == "zengin" and step.reference
    assert validator.validate_object(http("GET", f"/v1/payment_intents/{intent.id}").json(), "payment_intent") == []

    mark = last_event(http)
    funded = fund(http, customer, 8000, reference="REF-1")
    assert funded.status_code == 200
    body = funded.json()
    assert (body["type"], body["net_amount"], body["ending_balance"]) == ("funded", 8000, 8000)
    assert body["funded"]["bank_transfer"] == {**body["funded"]["bank_transfer"], "reference": "REF-1",
                                               "type": "jp_bank_transfer"}
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.next_action.display_bank_transfer_instructions.amount_remaining) == (
        "requires_action", 12000)
    assert now.latest_charge is None
    assert client.v1.customers.cash_balance.retrieve(customer).to_dict()["available"] == {"jpy": 0}
    assert events(http, validator, mark) == ["customer_cash_balance_transaction.created",
                                            "cash_balance.funds_available",
                                            "customer_cash_balance_transaction.created",
                                            "payment_intent.partially_funded"]

    mark = last_event(http)
    assert fund(http, customer, 15000).status_code == 200
    now = client.v1.payment_intents.retrieve(intent.id)
    assert (now.status, now.amount_received, now.next_action) == ("succeeded", 20000, None)
    charge = client.v1.charges.retrieve(now.latest_charge)
    assert (charge.status, charge.amount, charge.payment_method_details.type) == ("succeeded", 20000,
                                                                                 "customer_balance")
    assert client.v1.customers.cash_balance.retrieve(customer).to_dict()["available"] == {"jpy": 3000}
    assert events(http, validator, mark) == ["customer_cash_balance_transaction.created",
                                            "cash_balance.funds_available",
                                            "customer_cash_balance_transaction.created",
                                            "charge.succeeded", "payment_intent.succeeded"]
    txns = client.v1.customers.cash_balance_transactions.list(customer).data
    assert [(t.type, t.net_amount, t.ending_balance) for t in txns] == [
        ("applied_to_payment", -12000, 3000), ("funded", 15000, 15000),
        ("applied_to_payment", -8000, 0), ("funded", 8000, 8000)]
    assert txns[0].applied_to_payment.payment_intent == intent.id
    one = client.v1.customers.cash_balance_transactions.retrieve(customer, txns[1].id)
    assert one.net_amount == 15000
    assert validator.validate_object(http("GET", f"/v1/customers/{customer}/cash_balance").json(),
                                     "cash_balance") == []


def test_funds_already_held_pay_a_new_intent_at_confirmation(client, http, validator):
    customer = client.v1.customers.create({}).id
    assert client.v1.customers.cash_balance.retrieve(customer).available is None
    fund(http, customer, 5000, "usd")
    intent = bank_transfer(client, customer, kind="us_bank_transfer", currency="usd", amount=5000)
    assert (intent.status, intent.amount_received) == ("succeeded", 5000)
    assert client.v1.customers.cash_balance.retrieve(customer).to_dict()["available"] == {"usd": 0}
    assert events(http, validator)[-4:] == ["payment_intent.created", "customer_cash_balance_transaction.created",
                                            "charge.succeeded", "payment_intent.succeeded"]


def test_each_transfer_type_shows_its_own_financial_address(client, validator, http):
    customer = client.v1.customers.create({}).id
    for kind, currency, address, extra in [
            ("us_bank_transfer", "usd", "aba", {}), ("gb_bank_transfer", "gbp", "sort_code", {}),
            ("mx_bank_transfer", "mxn", "spei", {}), ("jp_bank_transfer", "jpy", "zengin", {}),
            ("eu_bank_transfer", "eur", "iban", {"eu_bank_transfer": {"country": "FR"}})]:
        intent = bank_transfer(client, customer, kind=kind, currency=currency, options={
            "funding_type": "bank_transfer", "bank_transfer": {"type": kind, **extra}})
        step = intent.next_action.display_bank_transfer_instructions
        assert (step.type, step.financial_addresses[0].type) == (kind, address)
        raw = http("GET", f"/v1/payment_intents/{intent.id}").json()
        assert validator.validate_object(raw, "payment_intent") == []
    assert step.financial_addresses[0].iban.country == "FR"


def refused(call) -> stripe.StripeError:
    """The InvalidRequestError a call raises."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("case", ["no-customer", "wrong-currency", "unknown-type", "old-jp-name", "no-funding-type",
                                  "eu-without-country", "types-without-it"])
def test_bad_bank_transfer_intents_are_refused_and_store_nothing(client, http, fake, case):
    customer = client.v1.customers.create({}).id
    before = {kind: len(list(fake.state.store.all(kind))) for kind in ("payment_intent", "payment_method", "event")}
    calls = {
        "no-customer": lambda: bank_transfer(client, None),
        "wrong-currency": lambda: bank_transfer(client, customer, currency="usd"),
        "unknown-type": lambda: bank_transfer(client, customer, kind="ch_bank_transfer"),
        "old-jp-name": lambda: bank_transfer(client, customer, kind="jp_bank_account"),
        "no-funding-type": lambda: bank_transfer(client, customer,
                                                 options={"bank_transfer": {"type": "jp_bank_transfer"}}),
        "eu-without-country": lambda: bank_transfer(client, customer, kind="eu_bank_transfer", currency="eur"),
        "types-without-it": lambda: client.v1.payment_intents.create(
            {"amount": 100, "currency": "jpy", "customer": customer, "payment_method_types": ["card"],
             "payment_method_data": {"type": "customer_balance"}, "confirm": True}, DAHLIA),
    }
    error = refused(calls[case])
    assert error.http_status == 400 and error.error.type == "invalid_request_error" and error.error.message
    assert {kind: len(list(fake.state.store.all(kind))) for kind in before} == before


def test_payment_method_types_is_refused_at_endive_and_payment_method_data_works(client):
    customer = client.v1.customers.create({}).id
    error = refused(lambda: bank_transfer(client, customer, version="2026-10-28.endive"))
    assert error.code == "payment_method_types_no_longer_supported"
    assert bank_transfer(client, customer).status == "requires_action"


@pytest.mark.parametrize("data, param", [({"amount": 100, "currency": "chf"}, "currency"),
                                         ({"amount": 0, "currency": "jpy"}, "amount"),
                                         ({"currency": "jpy"}, "amount")])
def test_bad_funding_is_refused_and_changes_nothing(client, http, fake, data, param):
    customer = client.v1.customers.create({}).id
    intent = bank_transfer(client, customer)
    events_before = len(list(fake.state.store.all("event")))
    answer = http("POST", f"/v1/test_helpers/customers/{customer}/fund_cash_balance", data=data)
    assert answer.status_code == 400
    assert (answer.json()["error"]["type"], answer.json()["error"]["param"]) == ("invalid_request_error", param)
    assert len(list(fake.state.store.all("event"))) == events_before
    assert client.v1.customers.cash_balance.retrieve(customer).available is None
    step = client.v1.payment_intents.retrieve(intent.id).next_action.display_bank_transfer_instructions
    assert step.amount_remaining == 20000


def test_unknown_customer_and_someone_elses_transaction_are_404(client, http):
    assert fund(http, "cus_nobody", 100).status_code == 404
    first, second = client.v1.customers.create({}).id, client.v1.customers.create({}).id
    txn = fund(http, first, 100).json()["id"]
    assert http("GET", f"/v1/customers/{second}/cash_balance_transactions/{txn}").status_code == 404
    assert http("GET", f"/v1/customers/{first}/cash_balance_transactions/{txn}").status_code == 200
