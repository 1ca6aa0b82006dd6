"""Discounts on Checkout Sessions (payment and subscription mode, the hosted page) and on one-off invoices: what
they take off, when they are counted, and what is refused rather than ignored."""

import contextlib
import io
import re
from pathlib import Path

import pytest
import requests
import stripe

from simulator.spec import validate_object

from .conftest import START, complete
from .test_discounts import FEB_28, events_of, promotion, subscribe


def one_time_session(client, guide, discounts, **extra):
    return client.v1.checkout.sessions.create({
        "mode": "payment", "success_url": "https://example.com/ok", "discounts": discounts,
        "line_items": [{"price": guide["professional_1m_one_time"].id, "quantity": 1, "tax_rates": [guide["vat"].id]}],
        **extra})


def strictly_valid_events(http, types: tuple[str, ...]) -> list[dict]:
    """The events of `types`, as the API serves them, each valid against the spec with its object."""
    found = [e for e in http("GET", "/v1/events", params={"limit": 100}).json()["data"] if e["type"] in types]
    for event in found:
        obj = event["data"]["object"]
        assert validate_object("event", event) + validate_object(obj["object"], obj) == [], event["type"]
    return found


def test_a_coupon_on_a_payment_session_discounts_its_lines_and_the_charge_and_counts_once_paid(
        client, http, base_url, guide):
    coupon = client.v1.coupons.create({"percent_off": 25, "duration": "once"})
    session = one_time_session(client, guide, [{"coupon": coupon.id}])
    # 2900 less 25 % = 2175; VAT 7.7 % on what is left: 167.
    assert (session.amount_subtotal, session.total_details.amount_discount, session.total_details.amount_tax,
            session.amount_total) == (2900, 725, 167, 2342)
    assert [d.to_dict() for d in session.discounts] == [{"coupon": coupon.id, "promotion_code": None}]
    raw = http("GET", f"/v1/checkout/sessions/{session.id}",
               params={"expand[]": ["line_items", "total_details.breakdown"]}).json()
    assert validate_object("checkout.session", raw) == []
    (item,) = raw["line_items"]["data"]
    assert (item["amount_subtotal"], item["amount_discount"], item["amount_tax"], item["amount_total"]) == \
        (2900, 725, 167, 2342)
    assert item["taxes"][0]["taxable_amount"] == 2175
    (taken,) = item["discounts"]
    assert taken["amount"] == 725 and taken["discount"]["checkout_session"] == session.id
    assert taken["discount"]["source"] == {"coupon": coupon.id, "type": "coupon"}
    assert raw["total_details"]["breakdown"]["discounts"] == [taken]
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 0  # not until the session is paid
    done = complete(base_url, session.id).json()
    intent = client.v1.payment_intents.retrieve(done["payment_intent"])
    assert (intent.status, intent.amount) == ("succeeded", 2342)
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1
    (completed,) = strictly_valid_events(http, ("checkout.session.completed",))
    assert completed["data"]["object"]["discounts"] == [{"coupon": coupon.id, "promotion_code": None}]
    assert completed["data"]["object"]["amount_total"] == 2342


def test_an_amount_off_on_an_invoiced_payment_session_discounts_the_invoice_it_pays(client, base_url, guide):
    coupon = client.v1.coupons.create({"amount_off": 500, "currency": "usd", "duration": "once"})
    session = one_time_session(client, guide, [{"coupon": coupon.id}], invoice_creation={"enabled": True})
    assert session.amount_total == 2585  # 2400 and 185 VAT
    invoice = client.v1.invoices.retrieve(complete(base_url, session.id).json()["invoice"])
    assert (invoice.subtotal, invoice.total, invoice.amount_paid, invoice.status) == (2900, 2585, 2585, "paid")
    assert invoice.total_discount_amounts[0].amount == 500
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


def test_a_promotion_code_on_a_subscription_session_discounts_the_subscription_for_its_duration(
        client, http, base_url, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "s@example.com", "test_clock": clock.id})
    coupon = client.v1.coupons.create({"percent_off": 25, "duration": "once"})
    promo = client.v1.promotion_codes.create(promotion(coupon.id, code="WELCOME25"))
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "https://example.com/ok", "customer": customer.id,
        "discounts": [{"promotion_code": promo.id}],
        "line_items": [{"price": guide["professional_1m_recurring"].id, "quantity": 1}]})
    assert (session.amount_subtotal, session.total_details.amount_discount, session.amount_total) == \
        (2900, 725, 2175)
    assert [d.to_dict() for d in session.discounts] == [{"coupon": coupon.id, "promotion_code": promo.id}]
    done = complete(base_url, session.id).json()
    sub = client.v1.subscriptions.retrieve(done["subscription"], {"expand": ["discounts"]})
    (discount,) = sub.discounts
    assert (discount.subscription, discount.promotion_code, discount.customer) == (sub.id, promo.id, customer.id)
    assert client.v1.invoices.retrieve(done["invoice"]).amount_paid == 2175
    assert (client.v1.promotion_codes.retrieve(promo.id).times_redeemed,
            client.v1.coupons.retrieve(coupon.id).times_redeemed) == (1, 1)
    strictly_valid_events(http, ("checkout.session.completed", "customer.subscription.created",
                                 "customer.discount.created"))
    assert [e.data.object.id for e in events_of(client, "customer.discount.created")] == [discount.id]
    # `once`: the renewal is charged in full, and the discount leaves the subscription.
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": FEB_28 + 2 * 3600})
    invoices = client.v1.invoices.list({"subscription": sub.id}).data[::-1]
    assert [i.amount_paid for i in invoices] == [2175, 2900]
    assert client.v1.subscriptions.retrieve(sub.id).discounts == []
    assert [e.data.object.id for e in events_of(client, "customer.discount.deleted")] == [discount.id]


def test_a_forever_coupon_on_a_subscription_session_discounts_every_invoice(client, base_url, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    customer = client.v1.customers.create({"email": "f@example.com", "test_clock": clock.id})
    coupon = client.v1.coupons.create({"amount_off": 900, "currency": "usd", "duration": "forever"})
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "https://example.com/ok", "customer": customer.id,
        "discounts": [{"coupon": coupon.id}],
        "line_items": [{"price": guide["professional_1m_recurring"].id, "quantity": 1}]})
    done = complete(base_url, session.id).json()
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": FEB_28 + 2 * 3600})
    invoices = client.v1.invoices.list({"subscription": done["subscription"]}).data[::-1]
    assert [i.amount_paid for i in invoices] == [2000, 2000]
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


@pytest.mark.parametrize("discounts, extra, param", [
    pytest.param([{"coupon": "missing"}], {}, "discounts[0][coupon]", id="unknown-coupon"),
    pytest.param([{"promotion_code": "promo_missing"}], {}, "discounts[0][promotion_code]", id="unknown-code"),
    pytest.param("spent", {}, "discounts[0][coupon]", id="used-up-coupon"),
    pytest.param("inactive", {}, "discounts[0][promotion_code]", id="inactive-code"),
    pytest.param("two", {}, "discounts", id="two-discounts"),
    pytest.param("ok", {"allow_promotion_codes": True}, "allow_promotion_codes", id="with-allow-promotion-codes"),
    pytest.param("eur", {}, "discounts[0]", id="amount-in-another-currency"),
])
def test_bad_discounts_refuse_the_session_and_change_nothing(client, guide, discounts, extra, param):
    spent = client.v1.coupons.create({"percent_off": 50, "max_redemptions": 1})
    subscribe(client, guide, [{"coupon": spent.id}])
    ok = client.v1.coupons.create({"percent_off": 10})
    inactive = client.v1.promotion_codes.create(promotion(ok.id, active=False))
    eur = client.v1.coupons.create({"amount_off": 100, "currency": "eur"})
    named = {"spent": [{"coupon": spent.id}], "inactive": [{"promotion_code": inactive.id}], "ok": [{"coupon": ok.id}],
             "two": [{"coupon": ok.id}, {"coupon": eur.id}], "eur": [{"coupon": eur.id}]}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        one_time_session(client, guide, named[discounts] if isinstance(discounts, str) else discounts, **extra)
    assert exc.value.param == param and exc.value.http_status == 400
    assert client.v1.checkout.sessions.list().data == []
    assert [client.v1.coupons.retrieve(c.id).times_redeemed for c in (spent, ok, eur)] == [1, 0, 0]
    assert client.v1.promotion_codes.retrieve(inactive.id).times_redeemed == 0


def test_a_coupon_used_up_while_the_session_was_open_is_refused_at_payment(client, base_url, guide):
    coupon = client.v1.coupons.create({"percent_off": 50, "max_redemptions": 1})
    first, second = (one_time_session(client, guide, [{"coupon": coupon.id}]) for _ in range(2))
    assert complete(base_url, first.id).status_code == 200
    refused = complete(base_url, second.id)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "coupon_expired"
    again = client.v1.checkout.sessions.retrieve(second.id)
    assert (again.status, again.payment_intent) == ("open", None)
    assert len(client.v1.payment_intents.list().data) == 1
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


def test_the_hosted_page_shows_the_discount_and_refuses_a_coupon_used_up_meanwhile(client, guide):
    coupon = client.v1.coupons.create({"percent_off": 25, "max_redemptions": 1})
    first, second = (one_time_session(client, guide, [{"coupon": coupon.id}]) for _ in range(2))
    page = requests.get(first.url, timeout=10)
    assert page.status_code == 200
    for text in ('data-testid="discount">-$7.25', 'data-testid="tax-amount">$1.67', 'data-testid="total">$23.42'):
        assert text in page.text
    assert requests.post(first.url, data={"card": "4242 4242 4242 4242"}, allow_redirects=False,
                         timeout=10).status_code == 303
    refused = requests.post(second.url, data={"card": "4242 4242 4242 4242"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and f"Coupon expired: {coupon.id}" in refused.text
    assert client.v1.checkout.sessions.retrieve(second.id).status == "open"


def test_the_checkout_discount_example_in_the_docs_runs_as_printed():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fake-stripe.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", doc, flags=re.S) if "sk_test_checkout_discount" in b)
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(block, {})
    assert out.getvalue().splitlines() == expected


def test_a_one_off_invoice_takes_its_own_discounts_and_charges_the_discounted_total(client, http):
    customer = client.v1.customers.create({"email": "oneoff@example.com", "payment_method": "pm_card_visa",
                                           "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    coupon = client.v1.coupons.create({"percent_off": 50, "duration": "once"})
    client.v1.invoice_items.create({"customer": customer.id, "amount": 1000, "currency": "usd"})
    refused = [{"coupon": "nope"}]
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.invoices.create({"customer": customer.id, "discounts": refused})
    assert caught.value.param == "discounts[0][coupon]"
    assert client.v1.invoices.list({"customer": customer.id}).data == []  # nothing made
    invoice = client.v1.invoices.create({"customer": customer.id, "discounts": [{"coupon": coupon.id}],
                                         "pending_invoice_items_behavior": "include"})
    assert (invoice.subtotal, invoice.total, len(invoice.discounts)) == (1000, 500, 1)
    assert [d.amount for d in invoice.total_discount_amounts] == [500]
    assert validate_object("invoice", http("GET", f"/v1/invoices/{invoice.id}").json()) == []
    paid = client.v1.invoices.pay(client.v1.invoices.finalize_invoice(invoice.id).id)
    assert (paid.status, paid.amount_paid) == ("paid", 500)
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


def test_discounts_the_fake_would_ignore_are_refused(client):
    customer = client.v1.customers.create({"email": "refuse@example.com"})
    coupon = client.v1.coupons.create({"percent_off": 10, "duration": "once"})
    with pytest.raises(stripe.InvalidRequestError, match="does not simulate discounts on invoice items"):
        client.v1.invoice_items.create({"customer": customer.id, "amount": 1000, "currency": "usd",
                                        "discounts": [{"coupon": coupon.id}]})
    assert client.v1.invoice_items.list({"customer": customer.id}).data == []
    invoice = client.v1.invoices.create({"customer": customer.id})
    with pytest.raises(stripe.InvalidRequestError, match="does not simulate changing an invoice's discounts"):
        client.v1.invoices.update(invoice.id, {"discounts": [{"coupon": coupon.id}]})
    assert client.v1.invoices.retrieve(invoice.id).discounts == []
