"""Paying a Checkout Session through the API: payment methods from test tokens, payment_pages confirm."""

import pytest
import stripe

pytestmark = pytest.mark.timeout(60)


def _session(client, mode="subscription", **extra):
    key = "professional_1m_recurring" if mode == "subscription" else "professional_1m_one_time"
    price = client.v1.prices.list({"lookup_keys": [key]}).data[0]
    vat = client.v1.tax_rates.list().data[0]
    return client.v1.checkout.sessions.create({
        "mode": mode, "line_items": [{"price": price.id, "quantity": 1, "tax_rates": [vat.id]}],
        "success_url": "https://example.com/ok", **extra})


def _confirm(client, session, pm, amount=None):
    response = client.raw_request("post", f"/v1/payment_pages/{session.id}/confirm", payment_method=pm,
                                  expected_amount=session.amount_total if amount is None else amount)
    return client.deserialize(response, api_mode="V1")


def test_payment_method_from_a_test_token_pays_a_subscription_session(client):
    session = _session(client, customer_email="jo@example.com")
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"},
                                           "billing_details": {"email": "jo@example.com"}})
    assert pm.card.last4 == "4242" and pm.customer is None
    paid = _confirm(client, session, pm.id)
    assert paid.status == "complete" and paid.payment_status == "paid" and paid.amount_total == 3123
    sub = client.v1.subscriptions.retrieve(paid.subscription)
    assert sub.status == "active" and sub.default_payment_method == pm.id  # the card given is the one used
    assert client.v1.payment_methods.retrieve(pm.id).customer == paid.customer
    types = [e.type for e in client.v1.events.list({"limit": 20}).data][::-1]
    assert types[types.index("charge.succeeded"):][:5] == ["charge.succeeded", "payment_method.attached",
                                                           "customer.created", "customer.updated",
                                                           "checkout.session.completed"]


def test_payment_mode_session_is_paid_with_the_given_card(client):
    session = _session(client, mode="payment")
    pm = client.v1.payment_methods.create({"type": "card", "card": {"number": "5555 5555 5555 4444",
                                                                     "exp_month": 12, "exp_year": 2034}})
    paid = _confirm(client, session, pm.id)
    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert intent.status == "succeeded" and intent.payment_method == pm.id and intent.amount == 3123


def test_expected_amount_must_be_the_total(client):
    session = _session(client)
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _confirm(client, session, pm.id, amount=2900)
    assert caught.value.param == "expected_amount"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_declining_token_is_a_card_error_and_the_session_stays_open(client):
    session = _session(client)
    pm = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_chargeDeclined"}})
    with pytest.raises(stripe.CardError) as caught:
        _confirm(client, session, pm.id)
    assert caught.value.code == "card_declined"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


@pytest.mark.parametrize("params, param", [
    ({"type": "card", "card": {"token": "tok_nosuch"}}, "card[token]"),
    ({"type": "card"}, "card"),
])
def test_payment_method_create_refuses_unknown_tokens_and_missing_cards(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_methods.create(params)
    assert caught.value.param == param and caught.value.http_status == 400


def test_confirm_names_a_missing_payment_method_and_session(client):
    session = _session(client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _confirm(client, session, "pm_nosuch")
    assert caught.value.param == "payment_method"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.raw_request("post", "/v1/payment_pages/cs_test_nosuch/confirm", payment_method="pm_x")
    assert caught.value.http_status == 404


def test_the_page_read_answers_the_session_and_a_sepa_debit_confirms_for_later(client):
    session = _session(client, mode="payment")
    page = client.raw_request("get", f"/v1/payment_pages/{session.id}")
    assert client.deserialize(page, api_mode="V1").id == session.id
    with pytest.raises(stripe.InvalidRequestError, match="No such checkout.session"):
        client.raw_request("get", "/v1/payment_pages/cs_test_missing")
    # An IBAN outside Stripe's test table: debited as live mode would, settled days later.
    pm = client.v1.payment_methods.create({"type": "sepa_debit", "sepa_debit": {"iban": "DE02120300000000202051"},
                                           "billing_details": {"email": "sepa@example.com", "name": "Ada"}})
    paid = _confirm(client, session, pm.id)
    assert paid.status == "complete" and paid.payment_status == "unpaid"  # settles days later
    assert client.v1.payment_intents.retrieve(paid.payment_intent).status == "processing"
