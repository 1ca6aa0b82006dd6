"""Checkout Sessions: validation, tax amounts, completion through the helper and the hosted page."""

import re

import pytest
import requests
import stripe

from .conftest import START, advance, complete, subscription_session


@pytest.mark.parametrize("inclusive,subtotal,tax,total,net", [
    pytest.param(False, 2900, 223, 3123, 2900, id="exclusive"),
    pytest.param(True, 2900, 207, 2900, 2693, id="inclusive"),
])
def test_tax_amounts_for_both_rate_kinds(client, base_url, guide, inclusive, subtotal, tax, total, net):
    rate = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": inclusive})
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "https://app.example/ok",
        "line_items": [{"price": guide["professional_1m_recurring"].id, "quantity": 1, "tax_rates": [rate.id]}]})
    assert (session.amount_subtotal, session.total_details.amount_tax, session.amount_total) == (subtotal, tax, total)
    (item,) = client.v1.checkout.sessions.line_items.list(session.id).data
    assert (item.amount_subtotal, item.amount_tax, item.amount_total) == (subtotal, tax, total)
    assert item.taxes[0].rate.id == rate.id
    done = complete(base_url, session.id).json()
    invoice = client.v1.invoices.retrieve(done["invoice"])
    assert (invoice.subtotal, invoice.total, invoice.amount_paid, invoice.total_excluding_tax) == \
        (subtotal, total, total, net)
    assert invoice.total_taxes[0].amount == tax
    assert invoice.total_taxes[0].tax_behavior == ("inclusive" if inclusive else "exclusive")


def test_subscription_default_tax_rates_tax_the_session(client, guide):
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "https://app.example/ok",
        "line_items": [{"price": guide["professional_1m_recurring"].id, "quantity": 2}],
        "subscription_data": {"default_tax_rates": [guide["vat"].id]}})
    assert (session.amount_subtotal, session.total_details.amount_tax, session.amount_total) == (5800, 447, 6247)


def test_subscription_checkout_completed_through_the_helper(client, base_url, guide):
    session = subscription_session(client, guide)
    assert session.url.startswith(base_url + "/c/pay/") and session.status == "open"
    response = complete(base_url, session.id)
    assert response.status_code == 200
    done = response.json()
    assert (done["status"], done["payment_status"], done["client_reference_id"]) == ("complete", "paid", "acct-42")
    sub = client.v1.subscriptions.retrieve(done["subscription"], {"expand": ["latest_invoice", "customer"]})
    assert sub.status == "active" and sub.metadata.to_dict() == {"accountRef": "acct-42"}
    assert sub.customer.email == "jane@example.com" and sub.customer.id == done["customer"]
    assert sub.latest_invoice.id == done["invoice"] and sub.latest_invoice.status == "paid"
    assert sub.latest_invoice.billing_reason == "subscription_create"
    assert sub.latest_invoice.parent.subscription_details.metadata.to_dict() == {"accountRef": "acct-42"}
    item = sub["items"].data[0]
    assert item.price.id == guide["professional_1m_recurring"].id
    assert (item.current_period_start, item.current_period_end) == (START, 1772272800)  # Jan 31 -> Feb 28
    expanded = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items"]})
    assert expanded.line_items.data[0].price.id == guide["professional_1m_recurring"].id
    assert expanded.metadata.to_dict() == {"accountRef": "acct-42"}


def test_one_time_checkout_completed_through_the_helper(client, base_url, guide):
    session = client.v1.checkout.sessions.create({
        "mode": "payment", "success_url": "https://app.example/ok", "client_reference_id": "acct-7",
        "line_items": [{"price": guide["professional_1m_one_time"].id, "quantity": 1,
                        "tax_rates": [guide["vat"].id]}],
        "metadata": {"accountRef": "acct-7"}, "payment_intent_data": {"metadata": {"accountRef": "acct-7"}}})
    done = complete(base_url, session.id).json()
    assert done["customer"] is None and done["invoice"] is None and done["customer_creation"] == "if_required"
    intent = client.v1.payment_intents.retrieve(done["payment_intent"], {"expand": ["latest_charge"]})
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 3123, "usd")
    assert intent.metadata.to_dict() == {"accountRef": "acct-7"}
    assert intent.latest_charge.paid is True
    assert done["customer_details"]["email"]


def test_currency_options_price_the_session_in_another_currency(client, base_url, guide):
    session = client.v1.checkout.sessions.create({
        "mode": "payment", "currency": "eur", "success_url": "https://app.example/ok",
        "line_items": [{"price": guide["professional_1m_one_time"].id, "quantity": 1}]})
    assert (session.currency, session.amount_total) == ("eur", 2700)


@pytest.mark.parametrize("change,param,message", [
    pytest.param({"mode": "payment", "line_items": [{"price": "professional_1m_recurring", "quantity": 1}]},
                 "line_items[0][price]", "You specified `payment` mode but passed a recurring price",
                 id="recurring-in-payment"),
    pytest.param({"line_items": [{"price": "professional_1m_one_time", "quantity": 1}]},
                 "line_items", "You must provide at least one recurring price in `subscription` mode",
                 id="no-recurring"),
    pytest.param({"line_items": [{"price": "price_123", "quantity": 1}]},
                 "line_items[0][price]", "No such price: 'price_123'", id="unknown-price"),
    pytest.param({"line_items": [{"price": "professional_1m_recurring"}]},
                 "line_items[0][quantity]", "Missing required param", id="no-quantity"),
    pytest.param({"customer": "cus_missing"}, "customer", "No such customer: 'cus_missing'", id="unknown-customer"),
    pytest.param({"payment_intent_data": {"metadata": {"a": "b"}}}, "payment_intent_data",
                 "You can not pass `payment_intent_data` in `subscription` mode", id="pi-data-in-subscription"),
    pytest.param({"mode": "payment", "line_items": [{"price": "professional_1m_one_time", "quantity": 1}],
                  "subscription_data": {"metadata": {"a": "b"}}}, "subscription_data",
                 "You can not pass `subscription_data` in `payment` mode", id="sub-data-in-payment"),
    pytest.param({"mode": "setup"}, "mode", "", id="setup-mode"),
    pytest.param({"mode": "subscriptions"}, "mode", "Invalid mode: must be one of payment, setup, or subscription",
                 id="bad-enum"),
])
def test_session_create_refuses_what_stripe_refuses(client, guide, change, param, message):
    params = {"mode": "subscription", "success_url": "https://app.example/ok",
              "line_items": [{"price": guide["professional_1m_recurring"].id, "quantity": 1}]}
    for item in change.get("line_items", []):
        item["price"] = guide[item["price"]].id if item["price"] in guide else item["price"]
    params.update(change)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.checkout.sessions.create(params)
    assert exc.value.param == param and message in exc.value.user_message


def test_tax_behavior_conflicting_with_the_rate_is_refused(client, guide):
    product = client.v1.products.create({"name": "Exclusive"})
    price = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 2900,
                                     "tax_behavior": "exclusive"})
    inclusive = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": True})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://app.example/ok",
                                            "line_items": [{"price": price.id, "quantity": 1,
                                                            "tax_rates": [inclusive.id]}]})
    assert "conflicts with the tax rates" in exc.value.user_message


def test_declined_card_leaves_the_session_open(client, base_url, guide):
    session = subscription_session(client, guide)
    response = complete(base_url, session.id, card="4000 0000 0000 0002")
    assert response.status_code == 402
    error = response.json()["error"]
    assert (error["type"], error["code"], error["decline_code"]) == ("card_error", "card_declined", "generic_decline")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert complete(base_url, session.id).json()["status"] == "complete"
    assert complete(base_url, session.id).status_code == 400


def test_hosted_page_pays_and_redirects_with_the_session_id(client, base_url, guide):
    session = subscription_session(client, guide)
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200
    for text in ("1-month Professional Account", "$29.00", "$2.23", "$31.23", "USD", "VAT (7.7%)", 'name="card"'):
        assert text in page.text
    declined = requests.post(session.url, data={"card": "4000 0000 0000 0002", "email": "x@example.com"},
                             allow_redirects=False, timeout=10)
    assert declined.status_code == 402 and "Your card was declined." in declined.text
    paid = requests.post(session.url, data={"card": "4242 4242 4242 4242", "name": "Jane Doe"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://app.example/billing/success?session_id={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete" and done.url is None and done.subscription
    assert 'data-testid="unavailable"' in requests.get(f"{base_url}/c/pay/{session.id}", timeout=10).text


def test_hosted_page_cancel_returns_to_cancel_url(client, guide):
    session = subscription_session(client, guide)
    page = requests.get(session.url, timeout=10).text
    cancel_path = re.search(r'data-testid="cancel" href="([^"]+)"', page).group(1)
    back = requests.get(session.url.split("/c/pay/")[0] + cancel_path, allow_redirects=False, timeout=10)
    assert (back.status_code, back.headers["Location"]) == (303, "https://app.example/billing/cancel")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_sessions_expire_on_request_and_after_a_day(client, base_url, guide):
    first, second = subscription_session(client, guide), subscription_session(client, guide)
    assert client.v1.checkout.sessions.expire(first.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(first.id)
    advance(base_url, seconds=86400)
    assert client.v1.checkout.sessions.retrieve(second.id).status == "expired"
    expired = client.v1.events.list({"type": "checkout.session.expired"}).data
    assert {e.data.object.id for e in expired} == {first.id, second.id}


def test_one_time_purchase_through_the_hosted_page(client, guide):
    session = client.v1.checkout.sessions.create({
        "mode": "payment", "success_url": "https://app.example/done?cs={CHECKOUT_SESSION_ID}",
        "line_items": [{"price": guide["professional_1m_one_time"].id, "quantity": 2, "tax_rates": [guide["vat"].id]}],
        "payment_intent_data": {"metadata": {"accountRef": "acct-9"}}})
    page = requests.get(session.url, timeout=10).text
    assert "× 2" in page and "$58.00" in page and "$62.47" in page and "Pay" in page
    paid = requests.post(session.url, data={"card": "4242424242424242", "email": "buyer@example.com"},
                         allow_redirects=False, timeout=10)
    assert paid.headers["Location"] == f"https://app.example/done?cs={session.id}"
    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert done.customer_details.email == "buyer@example.com" and done.payment_intent.amount == 6247
    assert done.payment_intent.metadata["accountRef"] == "acct-9"


def test_back_on_a_paid_session_returns_to_success_url_not_cancel_url(client, guide):
    session = subscription_session(client, guide)
    paid = requests.post(session.url, data={"card": "4242 4242 4242 4242"}, allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    back = requests.get(session.url + "/cancel", allow_redirects=False, timeout=10)
    assert (back.status_code, back.headers["Location"]) == (303, paid.headers["Location"])
    assert "billing/success" in back.headers["Location"]


def test_an_unknown_checkout_link_is_a_page_in_checkouts_look(base_url):
    page = requests.get(f"{base_url}/c/pay/cs_test_no_such_session", timeout=10)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in page.text and 'name="viewport"' in page.text
    assert "This Checkout link is not valid" in page.text and "TEST MODE" in page.text
