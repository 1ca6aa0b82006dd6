"""Promotion codes, and discounts on subscriptions, their invoices and Checkout Sessions: what they take off, for how
long, and the shapes before clover."""

import contextlib
import io
import re
from pathlib import Path

import pytest
import requests
import stripe

from simulator.engine.events import render_event
from simulator.spec import validate_object

from .conftest import START, complete

FEB_28, MAR_31, APR_30 = 1772272800, 1774951200, 1777543200  # the Jan 31 anchor's next period ends
CLOVER, DAHLIA, ACACIA = "2025-09-30.clover", "2026-08-26.dahlia", "2025-02-24.acacia"


def promotion(coupon_id: str, **extra) -> dict:
    return {"promotion": {"type": "coupon", "coupon": coupon_id}, **extra}


def events_of(client, kind: str) -> list:
    return client.v1.events.list({"type": kind, "limit": 100}).data


def test_promotion_codes_are_made_listed_and_updated_with_their_events(client, http):
    coupon = client.v1.coupons.create({"percent_off": 20, "duration": "once"})
    named = client.v1.promotion_codes.create(promotion(coupon.id, code="Spring20", max_redemptions=3,
                                                       metadata={"campaign": "spring"}))
    generated = client.v1.promotion_codes.create(promotion(coupon.id))
    assert (named.code, named.active, named.times_redeemed, named.max_redemptions) == ("Spring20", True, 0, 3)
    assert named.promotion.coupon == coupon.id and named.promotion.type == "coupon"
    assert generated.code.isalnum() and len(generated.code) == 8 and generated.code != named.code
    raw = http("GET", f"/v1/promotion_codes/{named.id}").json()
    assert validate_object("promotion_code", raw) == [] and raw["restrictions"]["first_time_transaction"] is False
    assert [p.id for p in client.v1.promotion_codes.list({"code": "SPRING20"}).data] == [named.id]
    assert [p.id for p in client.v1.promotion_codes.list({"coupon": coupon.id}).data] == [generated.id, named.id]
    updated = client.v1.promotion_codes.update(named.id, {"active": False, "metadata": {"campaign": ""}})
    assert (updated.active, updated.metadata.to_dict()) == (False, {})
    assert [p.id for p in client.v1.promotion_codes.list({"active": False}).data] == [named.id]
    created = events_of(client, "promotion_code.created")
    assert [e.data.object.id for e in created] == [generated.id, named.id]
    change = events_of(client, "promotion_code.updated")[0].data
    assert change.previous_attributes.to_dict() == {"active": True, "metadata": {"campaign": "spring"}}
    # An inactive code frees its text: a new active one may read the same.
    assert client.v1.promotion_codes.create(promotion(coupon.id, code="SPRING20")).active is True


@pytest.mark.parametrize("params, code, param", [
    pytest.param({"code": "spring20"}, "resource_already_exists", "code", id="duplicate-code-any-case"),
    pytest.param({"promotion": {"type": "coupon", "coupon": "nope"}}, "resource_missing", "promotion[coupon]",
                 id="unknown-coupon"),
    pytest.param({"max_redemptions": 0}, "parameter_invalid_integer", "max_redemptions", id="zero-redemptions"),
    pytest.param({"expires_at": START - 1}, None, "expires_at", id="expired-already"),
    pytest.param({"code": "NOT-OK"}, None, "code", id="bad-characters"),
])
def test_bad_promotion_codes_are_refused_and_change_nothing(client, params, code, param):
    coupon = client.v1.coupons.create({"percent_off": 20})
    client.v1.promotion_codes.create(promotion(coupon.id, code="SPRING20"))
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.promotion_codes.create({**promotion(coupon.id), **params})
    assert (exc.value.code, exc.value.param) == (code, param) if code else exc.value.param == param
    assert len(client.v1.promotion_codes.list().data) == 1 and len(events_of(client, "promotion_code.created")) == 1


def test_promotion_codes_and_discounts_show_the_coupon_as_their_version_has_it(client, http, guide):
    coupon = client.v1.coupons.create({"percent_off": 10})
    promo = client.v1.promotion_codes.create(promotion(coupon.id))
    for version, old in ((ACACIA, True), ("2025-08-27.basil", True), (CLOVER, False), (DAHLIA, False)):
        got = http("GET", f"/v1/promotion_codes/{promo.id}", headers={"Stripe-Version": version}).json()
        assert ("coupon" in got, "promotion" in got) == (old, not old), version
        if old:
            assert got["coupon"]["id"] == coupon.id and got["coupon"]["percent_off"] == 10
    sub = subscribe(client, guide, [{"promotion_code": promo.id}])
    discount = http("GET", f"/v1/subscriptions/{sub.id}", params={"expand[]": "discounts"},
                    headers={"Stripe-Version": DAHLIA}).json()["discounts"][0]
    assert validate_object("discount", discount) == []
    assert discount["source"] == {"coupon": coupon.id, "type": "coupon"} and "coupon" not in discount
    assert (discount["promotion_code"], discount["subscription"]) == (promo.id, sub.id)
    old = http("GET", f"/v1/subscriptions/{sub.id}", headers={"Stripe-Version": ACACIA}).json()["discount"]
    assert old["coupon"]["id"] == coupon.id and "source" not in old
    assert client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1


def subscribe(client, guide, discounts, *, clock=None, price="professional_1m_recurring", tax=False):
    params = {"email": "d@example.com", "payment_method": "pm_card_visa"}
    customer = client.v1.customers.create({**params, **({"test_clock": clock} if clock else {})})
    pm = client.v1.customers.payment_methods.list(customer.id).data[0]
    return client.v1.subscriptions.create({
        "customer": customer.id, "default_payment_method": pm.id, "items": [{"price": guide[price].id}],
        "discounts": discounts, **({"default_tax_rates": [guide["vat"].id]} if tax else {})})


def test_coupon_durations_hold_across_renewals_on_a_test_clock(client, http, guide):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": START})
    coupons = {"once": client.v1.coupons.create({"percent_off": 25, "duration": "once"}),
               "repeating": client.v1.coupons.create({"percent_off": 25, "duration": "repeating",
                                                      "duration_in_months": 2}),
               "forever": client.v1.coupons.create({"percent_off": 25, "duration": "forever"})}
    subs = {name: subscribe(client, guide, [{"coupon": c.id}], clock=clock.id) for name, c in coupons.items()}
    for moment in (FEB_28, MAR_31, APR_30):
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": moment + 2 * 3600})
    due = {}
    for name, sub in subs.items():
        invoices = client.v1.invoices.list({"subscription": sub.id}).data[::-1]
        assert [i.status for i in invoices] == ["paid"] * 4
        due[name] = [i.amount_paid for i in invoices]
    assert due == {"once": [2175, 2900, 2900, 2900], "repeating": [2175, 2175, 2900, 2900],
                   "forever": [2175, 2175, 2175, 2175]}
    first = http("GET", f"/v1/invoices/{client.v1.subscriptions.retrieve(subs['forever'].id).latest_invoice}").json()
    assert validate_object("invoice", first) == []
    discount_id = first["discounts"][0]
    assert (first["subtotal"], first["total"]) == (2900, 2175)
    assert first["total_discount_amounts"] == [{"amount": 725, "discount": discount_id}]
    assert first["lines"]["data"][0]["discount_amounts"] == [{"amount": 725, "discount": discount_id}]
    # The ones whose time is over left their subscription, each with customer.discount.deleted.
    assert [client.v1.subscriptions.retrieve(subs[n].id).discounts for n in coupons] == [[], [], [discount_id]]
    assert len(events_of(client, "customer.discount.deleted")) == 2
    assert len(events_of(client, "customer.discount.created")) == 3
    assert client.v1.coupons.retrieve(coupons["once"].id).times_redeemed == 1


def test_an_amount_off_is_taken_before_tax_and_paid_as_discounted(client, http, guide):
    coupon = client.v1.coupons.create({"amount_off": 500, "currency": "usd", "duration": "forever"})
    sub = subscribe(client, guide, [{"coupon": coupon.id}], tax=True)
    invoice = http("GET", f"/v1/invoices/{sub.latest_invoice}").json()
    # 2900 - 500 = 2400, VAT 7.7 % on that: 185.
    assert (invoice["subtotal"], invoice["total_excluding_tax"], invoice["total"]) == (2900, 2400, 2585)
    assert invoice["total_taxes"][0]["taxable_amount"] == 2400 and invoice["total_taxes"][0]["amount"] == 185
    assert invoice["amount_paid"] == 2585 and validate_object("invoice", invoice) == []
    intent = client.v1.invoice_payments.list({"invoice": invoice["id"]}).data[0]
    assert intent.amount_paid == 2585


def test_redemption_limits_and_bad_discounts_refuse_the_subscription_and_change_nothing(client, guide):
    coupon = client.v1.coupons.create({"percent_off": 50, "max_redemptions": 1})
    promo = client.v1.promotion_codes.create(promotion(coupon.id, code="ONLYONCE"))
    subscribe(client, guide, [{"promotion_code": promo.id}])
    assert client.v1.coupons.retrieve(coupon.id).valid is False
    for discounts, param in (([{"coupon": coupon.id}], "discounts[0][coupon]"),
                             ([{"coupon": "missing"}], "discounts[0][coupon]"),
                             ([{"promotion_code": "promo_missing"}], "discounts[0][promotion_code]")):
        before = len(client.v1.subscriptions.list({"status": "all"}).data)
        with pytest.raises(stripe.InvalidRequestError) as exc:
            subscribe(client, guide, discounts)
        assert exc.value.param == param
        assert len(client.v1.subscriptions.list({"status": "all"}).data) == before
    assert client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1


def test_discounts_change_on_update_and_apply_to_the_proration_invoice(client, guide):
    sub = subscribe(client, guide, [])
    coupon = client.v1.coupons.create({"percent_off": 50, "duration": "forever"})
    updated = client.v1.subscriptions.update(sub.id, {
        "discounts": [{"coupon": coupon.id}], "proration_behavior": "always_invoice",
        "items": [{"id": sub["items"].data[0].id, "price": guide["business_1m_recurring"].id}]})
    assert len(updated.discounts) == 1
    invoice = client.v1.invoices.retrieve(updated.latest_invoice)
    # Half of the net (4900 for the new price less 2900 for the unused old one), taken off the charged line.
    assert invoice.discounts == updated.discounts and (invoice.subtotal, invoice.total) == (2000, 1000)
    kept = client.v1.subscriptions.update(sub.id, {"discounts": [{"discount": updated.discounts[0]}]})
    assert kept.discounts == updated.discounts
    assert client.v1.subscriptions.update(sub.id, {"discounts": ""}).discounts == []


def test_customer_coupon_parameters_are_unknown_at_dahlia(http):
    for path, data in (("/v1/customers", {"coupon": "x"}), ("/v1/customers", {"promotion_code": "promo_x"})):
        answer = http("POST", path, data=data, headers={"Stripe-Version": DAHLIA})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "parameter_unknown"
    assert http("GET", "/v1/customers").json()["data"] == []


def at(version: str) -> dict:
    return {"headers": {"Stripe-Version": version}}


def test_customer_discounts_before_basil_announce_themselves_and_apply_to_invoices(http, client, guide, hooks,
                                                                                  fake):
    first = client.v1.coupons.create({"percent_off": 20, "duration": "forever"})
    second = client.v1.coupons.create({"percent_off": 50, "duration": "forever"})
    with hooks(api_version=ACACIA) as (receiver, _):
        made = http("POST", "/v1/customers", data={"coupon": first.id, "payment_method": "pm_card_visa"}, **at(ACACIA))
        assert made.status_code == 200, made.text
        customer = made.json()
        assert customer["discount"]["coupon"]["id"] == first.id and "source" not in customer["discount"]
        assert validate_object("customer", customer, ACACIA) == []
        changed = http("POST", f"/v1/customers/{customer['id']}", data={"coupon": second.id}, **at(ACACIA)).json()
        assert changed["discount"]["coupon"]["percent_off"] == 50
        assert http("GET", f"/v1/customers/{customer['id']}/discount", **at(DAHLIA)).json()["source"]["coupon"] \
            == second.id
        # The customer's discount applies to its subscriptions' invoices.
        pm = client.v1.customers.payment_methods.list(customer["id"]).data[0]
        sub = client.v1.subscriptions.create({"customer": customer["id"], "default_payment_method": pm.id,
                                              "items": [{"price": guide["professional_1m_recurring"].id}]})
        invoice = client.v1.invoices.retrieve(sub.latest_invoice)
        assert (invoice.total, invoice.discounts) == (1450, [changed["discount"]["id"]])
        gone = http("DELETE", f"/v1/customers/{customer['id']}/discount", **at(ACACIA)).json()
        assert (gone["deleted"], gone["id"]) == (True, changed["discount"]["id"])
        assert validate_object("deleted_discount", gone, ACACIA) == []
        again = http("DELETE", f"/v1/customers/{customer['id']}/discount", **at(ACACIA))
        assert again.status_code == 404 and again.json()["error"]["code"] == "resource_missing"
        assert client.v1.customers.retrieve(customer["id"]).discount is None
        assert fake.wait_for_deliveries(5)
    assert all(r.verified for r in receiver.received)
    # What the endpoint pinned to acacia was sent: each event in acacia's shape.
    sent = [render_event(fake.state, fake.state.store.get(r.event_id), ACACIA) for r in receiver.received
            if r.type.startswith("customer.discount.")]
    assert [e["type"] for e in sent] == ["customer.discount.created", "customer.discount.updated",
                                         "customer.discount.deleted"]
    assert all(validate_object("event", e, ACACIA) == [] for e in sent)
    assert sent[1]["data"]["previous_attributes"]["coupon"]["id"] == first.id
    assert sent[0]["data"]["object"]["coupon"]["id"] == first.id and "source" not in sent[0]["data"]["object"]


def test_an_empty_coupon_removes_the_customers_discount_and_a_bad_one_changes_nothing(http, client):
    coupon = client.v1.coupons.create({"percent_off": 20})
    customer = http("POST", "/v1/customers", data={"coupon": coupon.id}, **at(ACACIA)).json()
    refused = http("POST", f"/v1/customers/{customer['id']}", data={"coupon": "nope", "name": "X"}, **at(ACACIA))
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "coupon"
    assert http("GET", f"/v1/customers/{customer['id']}").json()["name"] is None
    cleared = http("POST", f"/v1/customers/{customer['id']}", data={"coupon": ""}, **at(ACACIA)).json()
    assert cleared["discount"] is None
    assert [e.type for e in events_of(client, "customer.discount.*")] == ["customer.discount.deleted",
                                                                          "customer.discount.created"]


def test_before_clover_a_promotion_code_names_its_coupon_at_the_top(http, client):
    coupon = client.v1.coupons.create({"percent_off": 20})
    made = http("POST", "/v1/promotion_codes", data={"coupon": coupon.id}, **at(ACACIA))
    assert made.status_code == 200, made.text
    assert made.json()["coupon"]["id"] == coupon.id and validate_object("promotion_code", made.json(), ACACIA) == []
    for version, data in ((DAHLIA, {"coupon": coupon.id}), (ACACIA, {"promotion[type]": "coupon",
                                                                      "promotion[coupon]": coupon.id})):
        refused = http("POST", "/v1/promotion_codes", data=data, **at(version))
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "parameter_unknown", version
    assert len(client.v1.promotion_codes.list().data) == 1


def test_subscription_coupon_parameters_before_basil_only(http, client, guide):
    coupon = client.v1.coupons.create({"percent_off": 10, "duration": "forever"})
    customer = client.v1.customers.create({"payment_method": "pm_card_visa"})
    pm = client.v1.customers.payment_methods.list(customer.id).data[0]
    data = {"customer": customer.id, "default_payment_method": pm.id, "coupon": coupon.id,
            "items[0][price]": guide["professional_1m_recurring"].id}
    refused = http("POST", "/v1/subscriptions", data=data, **at(DAHLIA))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "parameter_unknown"
    sub = http("POST", "/v1/subscriptions", data=data, **at(ACACIA)).json()
    assert sub["discount"]["coupon"]["id"] == coupon.id and sub["discounts"] == [sub["discount"]["id"]]
    assert http("GET", f"/v1/invoices/{sub['latest_invoice']}").json()["total"] == 2610
    assert http("POST", f"/v1/subscriptions/{sub['id']}", data={"coupon": ""}, **at(ACACIA)).json()["discount"] is None


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
