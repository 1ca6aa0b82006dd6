"""Products, prices, tax rates and customers through the official SDK over real HTTP."""

import pytest
import stripe

from simulator.fake_stripe import FakeStripe
from simulator.spec import validator

from .conftest import KEY


def test_guide_seed_holds_the_guides_catalogue(client):
    products = client.v1.products.list({"expand": ["data.default_price"]}).data
    by_name = {p.name: p for p in products}
    pro = by_name["1-month Professional Account"]
    assert pro.metadata.to_dict() == {"accountType": "professional", "interval": "1"}
    assert (pro.default_price.unit_amount, pro.default_price.currency) == (2900, "usd")
    assert (pro.default_price.recurring.interval, pro.default_price.recurring.interval_count) == ("month", 1)
    assert by_name["1-month Business Account"].metadata.to_dict() == {"accountType": "business", "interval": "1"}
    yearly = by_name["12-month Professional Account"]
    assert yearly.metadata["interval"] == "12" and yearly.default_price.recurring.interval == "year"
    prices = client.v1.prices.list({"product": pro.id, "expand": ["data.currency_options"]}).data
    assert sorted(p.type for p in prices) == ["one_time", "recurring"]
    assert all(p.unit_amount == 2900 for p in prices)
    assert all({"usd", "eur", "chf"} <= set(p.currency_options.to_dict()) for p in prices)
    (vat,) = client.v1.tax_rates.list({"active": True}).data
    assert (vat.display_name, vat.percentage, vat.inclusive, vat.active) == ("VAT", 7.7, False, True)


def test_the_guides_whole_configuration_is_created_and_read_back():
    fake = FakeStripe()
    with fake.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        vat = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": False,
                                          "country": "CH", "tax_type": "vat"})
        made = {}
        plans = (("1-month Professional Account", "professional", 1, "month", 1),
                 ("12-month Professional Account", "professional", 12, "month", 12))
        for name, kind, months, interval, count in plans:
            product = client.v1.products.create({"name": name, "metadata": {"accountType": kind,
                                                                             "interval": str(months)}})
            recurring = client.v1.prices.create({
                "product": product.id, "currency": "usd", "unit_amount": 2900 * months,
                "recurring": {"interval": interval, "interval_count": count},
                "currency_options": {"eur": {"unit_amount": 2700 * months}, "chf": {"unit_amount": 2600 * months}}})
            one_time = client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 2900 * months})
            client.v1.products.update(product.id, {"default_price": recurring.id})
            made[product.id] = (recurring.id, one_time.id)
        for product in client.v1.products.list({"active": True, "limit": 100}).auto_paging_iter():
            recurring_id, one_time_id = made[product.id]
            assert product.default_price == recurring_id
            prices = {p.id: p for p in client.v1.prices.list({"product": product.id}).auto_paging_iter()}
            assert set(prices) == {recurring_id, one_time_id}
            months = int(product.metadata["interval"])
            rec = prices[recurring_id].recurring
            assert (rec.interval, rec.interval_count) == ("month", months)
            assert client.v1.prices.retrieve(recurring_id, {"expand": ["currency_options"]}) \
                .currency_options["eur"].unit_amount == 2700 * months
        assert client.v1.tax_rates.retrieve(vat.id).percentage == 7.7


def test_product_update_merges_metadata_like_stripe(client):
    product = client.v1.products.create({"name": "Pro", "metadata": {"a": "1", "b": "2"}})
    updated = client.v1.products.update(product.id, {"metadata": {"b": "", "c": "3"}, "description": "d"})
    assert updated.metadata.to_dict() == {"a": "1", "c": "3"}
    assert updated.description == "d"
    assert client.v1.products.update(product.id, {"metadata": ""}).metadata.to_dict() == {}


def test_product_update_takes_every_documented_field_and_stays_a_valid_product(client):
    product = client.v1.products.create({"name": "Pro"})
    updated = client.v1.products.update(product.id, {
        "package_dimensions": {"height": 1.5, "length": 2, "weight": 3, "width": 4}, "shippable": False,
        "statement_descriptor": "SIMPLEX PRO", "unit_label": "seat", "url": "https://meeting.example.com",
        "tax_code": "txcd_10000000", "images": "", "marketing_features": [{"name": "Boardroom"}]})
    assert updated.package_dimensions.height == 1.5 and updated.unit_label == "seat" and updated.images == []
    assert validator().validate_response(updated.last_response.data, "POST", "/v1/products/{id}") == []
    again = client.v1.products.update(product.id, {"package_dimensions": "", "tax_code": ""})
    assert again.package_dimensions is None and again.tax_code is None
    assert validator().validate_response(again.last_response.data, "POST", "/v1/products/{id}") == []


def test_lists_paginate_newest_first_with_both_cursors(client):
    ids = [client.v1.products.create({"name": f"P{i}"}).id for i in range(25)]
    first = client.v1.products.list({"limit": 10})
    assert first.has_more and [p.id for p in first.data] == ids[::-1][:10]
    second = client.v1.products.list({"limit": 10, "starting_after": first.data[-1].id})
    assert [p.id for p in second.data] == ids[::-1][10:20]
    back = client.v1.products.list({"limit": 5, "ending_before": second.data[0].id})
    assert [p.id for p in back.data] == ids[::-1][5:10] and back.has_more
    everything = [p.id for p in client.v1.products.list({"limit": 7}).auto_paging_iter()]
    assert everything[:25] == ids[::-1] and len(everything) == 28  # + the guide's three
    chosen = client.v1.products.list({"ids": ids[:2]}).data
    assert {p.id for p in chosen} == set(ids[:2])


def test_products_with_prices_are_archived_not_deleted(client, guide):
    product_id = guide["professional_1m_recurring"].product
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.delete(product_id)
    assert client.v1.products.update(product_id, {"active": False}).active is False
    assert product_id not in [p.id for p in client.v1.products.list({"active": True}).data]
    empty = client.v1.products.create({"name": "Temporary"})
    assert client.v1.products.delete(empty.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.products.retrieve(empty.id)
    assert exc.value.code == "resource_missing"


def test_product_features_answer_an_empty_list(client, guide, http):
    product_id = guide["professional_1m_recurring"].product
    body = http("GET", f"/v1/products/{product_id}/features").json()
    assert body == {"object": "list", "data": [], "has_more": False, "url": f"/v1/products/{product_id}/features"}


@pytest.mark.parametrize("interval,count", [("day", 1), ("week", 2), ("month", 1), ("month", 12), ("year", 1)])
def test_recurring_prices_keep_interval_and_count(client, interval, count):
    product = client.v1.products.create({"name": "Plan"})
    price = client.v1.prices.create({"product": product.id, "currency": "eur", "unit_amount": 500,
                                     "recurring": {"interval": interval, "interval_count": count},
                                     "tax_behavior": "exclusive", "lookup_key": f"plan_{interval}_{count}"})
    again = client.v1.prices.retrieve(price.id)
    assert (again.recurring.interval, again.recurring.interval_count, again.recurring.usage_type) == \
        (interval, count, "licensed")
    assert (again.type, again.tax_behavior, again.currency) == ("recurring", "exclusive", "eur")
    assert client.v1.prices.list({"lookup_keys": [f"plan_{interval}_{count}"]}).data[0].id == price.id
    assert client.v1.plans.retrieve(price.id).interval_count == count


def test_price_rules(client):
    product = client.v1.products.create({"name": "Tiered"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered"})
    assert exc.value.code == "parameter_missing"
    tiered = client.v1.prices.create({"product": product.id, "currency": "usd", "billing_scheme": "tiered",
                                      "tiers_mode": "volume", "recurring": {"interval": "month"},
                                      "tiers": [{"up_to": 10, "unit_amount": 100},
                                                {"up_to": "inf", "unit_amount": 80}]})
    assert tiered.unit_amount is None and tiered.billing_scheme == "tiered"
    assert [t.up_to for t in client.v1.prices.retrieve(tiered.id, {"expand": ["tiers"]}).tiers] == [10, None]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.prices.create({"product": product.id, "currency": "usd", "unit_amount": 1,
                                 "recurring": {"interval": "month", "interval_count": 37}})
    assert exc.value.param == "recurring[interval_count]"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.prices.update(tiered.id, {"unit_amount": 5})
    assert (exc.value.code, exc.value.param) == ("parameter_unknown", "unit_amount")


def test_lookup_keys_are_unique_unless_transferred(client, guide):
    product = guide["professional_1m_recurring"].product
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.prices.create({"product": product, "currency": "usd", "unit_amount": 1,
                                 "lookup_key": "professional_1m_one_time"})
    moved = client.v1.prices.create({"product": product, "currency": "usd", "unit_amount": 1,
                                     "lookup_key": "professional_1m_one_time", "transfer_lookup_key": True})
    assert client.v1.prices.retrieve(guide["professional_1m_one_time"].id).lookup_key is None
    assert client.v1.prices.list({"lookup_keys": ["professional_1m_one_time"]}).data[0].id == moved.id


def test_price_list_filters(client, guide):
    assert {p.type for p in client.v1.prices.list({"type": "one_time", "limit": 100}).data} == {"one_time"}
    monthly = client.v1.prices.list({"recurring": {"interval": "month"}, "limit": 100}).data
    assert len(monthly) == 2 and all(p.recurring.interval == "month" for p in monthly)
    client.v1.prices.update(guide["business_1m_one_time"].id, {"active": False})
    assert guide["business_1m_one_time"].id not in [p.id for p in client.v1.prices.list({"active": True}).data]
    assert client.v1.prices.list({"currency": "chf"}).data == []


def test_tax_rates_archive_but_never_change_percentage(client):
    rate = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": True})
    assert client.v1.tax_rates.update(rate.id, {"active": False}).active is False
    assert rate.id not in [r.id for r in client.v1.tax_rates.list({"active": True}).data]
    for field in ("percentage", "inclusive"):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            client.v1.tax_rates.update(rate.id, {field: 8})
        assert exc.value.code == "parameter_unknown"


def test_customers_create_update_and_list_by_email(client):
    jane = client.v1.customers.create({"email": "jane@example.com", "name": "Jane", "metadata": {"accountRef": "a"}})
    client.v1.customers.create({"email": "joe@example.com"})
    assert client.v1.customers.update(jane.id, {"metadata": {"plan": "pro"}}).metadata.to_dict() == \
        {"accountRef": "a", "plan": "pro"}
    found = client.v1.customers.list({"email": "jane@example.com"}).data
    assert [c.id for c in found] == [jane.id]
    assert client.v1.customers.retrieve(jane.id).name == "Jane"
