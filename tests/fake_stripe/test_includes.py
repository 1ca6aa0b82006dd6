"""Includable fields (computed only when `expand[]` asks) and invoice payments: the way from an invoice to its
PaymentIntent since basil."""

import pytest

pytestmark = pytest.mark.openapi


@pytest.fixture(scope="module")
def validator():
    from tests.support.openapi import require_spec
    return require_spec()


def paid_invoice(http, guide) -> dict:
    customer = http("POST", "/v1/customers", data={"email": "inc@example.com"}).json()
    method = http("POST", "/v1/payment_methods", data={"type": "card", "card[token]": "tok_visa"}).json()
    http("POST", f"/v1/payment_methods/{method['id']}/attach", data={"customer": customer["id"]})
    sub = http("POST", "/v1/subscriptions", data={
        "customer": customer["id"], "items[0][price]": guide["professional_1m_recurring"].id,
        "default_payment_method": method["id"]}).json()
    return http("GET", f"/v1/invoices/{sub['latest_invoice']}").json()


def test_customer_invoice_credit_balance_and_tax_are_included_on_create_and_retrieve(http, validator):
    made = http("POST", "/v1/customers", data={"email": "c@example.com", "expand[0]": "invoice_credit_balance",
                                               "expand[1]": "tax"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["invoice_credit_balance"] == {} and body["tax"]["automatic_tax"] == "unrecognized_location"
    assert not validator.validate_response(body, "POST", "/v1/customers")
    got = http("GET", f"/v1/customers/{body['id']}", params={"expand[]": "invoice_credit_balance"}).json()
    assert got["invoice_credit_balance"] == {} and "tax" not in got
    listed = http("GET", "/v1/customers", params={"expand[]": "data.invoice_credit_balance"}).json()
    assert listed["data"][0]["invoice_credit_balance"] == {}
    plain = http("GET", f"/v1/customers/{body['id']}").json()
    assert "invoice_credit_balance" not in plain  # only when asked
    assert http("GET", f"/v1/customers/{body['id']}", params={"expand[]": "email"}).status_code == 400


def test_invoice_payments_lead_from_the_invoice_to_its_payment_intent(http, guide, validator):
    invoice = paid_invoice(http, guide)
    assert invoice["status"] == "paid"
    expanded = http("GET", f"/v1/invoices/{invoice['id']}", params={"expand[0]": "payments",
                                                                    "expand[1]": "confirmation_secret"}).json()
    payments = expanded["payments"]["data"]
    assert len(payments) == 1 and payments[0]["invoice"] == invoice["id"] and payments[0]["status"] == "paid"
    intent_id = payments[0]["payment"]["payment_intent"]
    intent = http("GET", f"/v1/payment_intents/{intent_id}").json()
    assert intent["amount"] == invoice["amount_paid"] == payments[0]["amount_paid"]
    assert expanded["confirmation_secret"] == {"client_secret": intent["client_secret"], "type": "payment_intent"}
    assert not validator.validate_response(expanded, "GET", "/v1/invoices/{invoice}")
    listed = http("GET", "/v1/invoice_payments", params={"invoice": invoice["id"]})
    assert listed.status_code == 200 and listed.json()["data"] == payments
    assert not validator.validate_response(listed.json(), "GET", "/v1/invoice_payments")
    one = http("GET", f"/v1/invoice_payments/{payments[0]['id']}").json()
    assert one == payments[0]
    assert not validator.validate_response(one, "GET", "/v1/invoice_payments/{invoice_payment}")
    by_intent = http("GET", "/v1/invoice_payments", params={"payment[type]": "payment_intent",
                                                            "payment[payment_intent]": intent_id}).json()
    assert [p["id"] for p in by_intent["data"]] == [payments[0]["id"]]
    assert http("GET", "/v1/invoice_payments", params={"status": "open"}).json()["data"] == []
    expanded_intent = http("GET", f"/v1/invoice_payments/{one['id']}",
                           params={"expand[]": "payment.payment_intent"}).json()
    assert expanded_intent["payment"]["payment_intent"]["id"] == intent_id


def test_unknown_invoice_payments_are_404_and_unknown_invoices_400(http):
    assert http("GET", "/v1/invoice_payments/inpay_nosuch").status_code == 404
    assert http("GET", "/v1/invoice_payments/in_nosuch").status_code == 404
    answer = http("GET", "/v1/invoice_payments", params={"invoice": "in_nosuch"})
    assert answer.status_code == 400 and answer.json()["error"]["param"] == "invoice"


def test_charge_refunds_are_included(http, guide, validator):
    invoice = paid_invoice(http, guide)
    intent = http("GET", "/v1/invoice_payments", params={"invoice": invoice["id"]}).json()["data"][0]
    charges = http("GET", "/v1/charges", params={"payment_intent": intent["payment"]["payment_intent"]}).json()
    charge = http("GET", f"/v1/charges/{charges['data'][0]['id']}", params={"expand[]": "refunds"}).json()
    assert charge["refunds"] == {"object": "list", "data": [], "has_more": False,
                                 "url": f"/v1/charges/{charge['id']}/refunds"}
    assert not validator.validate_response(charge, "GET", "/v1/charges/{charge}")
