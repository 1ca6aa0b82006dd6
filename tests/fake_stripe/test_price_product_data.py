"""`POST /v1/prices` with `product_data`: the product is made first, as Stripe does (it answered 500 after the
layers split: the engine imported a module that no longer exists)."""

import pytest
import stripe


def test_a_price_with_product_data_makes_its_product(client):
    price = client.v1.prices.create({"currency": "usd", "unit_amount": 500, "product_data": {"name": "Extra seat"}})
    product = client.v1.products.retrieve(price.product)
    assert product.name == "Extra seat" and price.unit_amount == 500


def test_a_price_without_product_or_product_data_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.prices.create({"currency": "usd", "unit_amount": 500})
    assert caught.value.http_status == 400 and caught.value.code == "parameter_missing"
