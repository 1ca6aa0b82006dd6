"""Promotion codes, and discounts on subscriptions and their invoices: what they take off, for how long, and the
shapes before clover (Checkout Sessions and one-off invoices: test_checkout_discounts.py)."""

import pytest
import stripe

from simulator.engine.events import render_event
from simulator.spec import validate_object

from .conftest import START

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
