"""Tests for the OpenAPI spec validation helper in tests/support/openapi.py."""

import pytest

from tests.support.openapi import SpecValidator, json_path, require_spec


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    """The shared strict validator over the schema shipped in the package (it never skips)."""
    return require_spec()


def make_product(**overrides) -> dict:
    """Return a minimal valid product as the API would return it."""
    product = {
        "id": "prod_123",
        "object": "product",
        "active": True,
        "created": 1700000000,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {},
        "name": "Pro plan",
        "updated": 1700000000,
        "default_price": None,
        "description": None,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "unit_label": None,
        "url": None,
    }
    return {**product, **overrides}


def make_price(**overrides) -> dict:
    """Return a minimal valid recurring price as the API would return it."""
    price = {
        "id": "price_123",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 1700000000,
        "currency": "usd",
        "livemode": False,
        "metadata": {},
        "product": "prod_123",
        "type": "recurring",
        "custom_unit_amount": None,
        "lookup_key": None,
        "nickname": None,
        "recurring": {
            "interval": "month",
            "interval_count": 1,
            "meter": None,
            "usage_type": "licensed",
        },
        "tax_behavior": None,
        "tiers_mode": None,
        "transform_quantity": None,
        "unit_amount": 1500,
        "unit_amount_decimal": "1500",
    }
    return {**price, **overrides}


@pytest.mark.openapi
def test_minimal_product_is_valid(validator):
    assert validator.validate_object(make_product(), "product") == []


@pytest.mark.openapi
def test_wrong_type_is_reported_with_the_field_name(validator):
    errors = validator.validate_object(make_product(active="yes"), "product")
    assert errors == ["active: 'yes' is not of type 'boolean'"]


@pytest.mark.openapi
def test_missing_required_field_is_reported(validator):
    product = make_product()
    del product["name"]
    assert validator.validate_object(product, "product") == [
        "<root>: 'name' is a required property"
    ]


@pytest.mark.openapi
def test_nullable_enum_accepts_none_and_listed_values_only(validator):
    assert validator.validate_object(make_price(tax_behavior=None), "price") == []
    assert validator.validate_object(make_price(tax_behavior="exclusive"), "price") == []
    errors = validator.validate_object(make_price(tax_behavior="sometimes"), "price")
    assert len(errors) == 1 and errors[0].startswith("tax_behavior: 'sometimes' is not one of")


@pytest.mark.openapi
def test_expandable_field_accepts_id_or_expanded_object(validator):
    for default_price in ("price_123", make_price(), None):
        product = make_product(default_price=default_price)
        assert validator.validate_object(product, "product") == []


@pytest.mark.openapi
def test_errors_inside_an_expanded_object_carry_its_path(validator):
    product = make_product(default_price=make_price(billing_scheme="bogus"))
    errors = validator.validate_object(product, "product")
    assert errors == ["default_price.billing_scheme: 'bogus' is not one of ['per_unit', 'tiered']"]


@pytest.mark.openapi
def test_response_schema_of_an_operation(validator):
    assert validator.validate_response(make_product(), "GET", "/v1/products/{id}") == []
    listing = {
        "object": "list",
        "data": [make_product(marketing_features=[{"name": None}])],
        "has_more": False,
        "url": "/v1/products",
    }
    assert validator.validate_response(listing, "get", "/v1/products") == [
        "data[0].marketing_features[0].name: None is not of type 'string'"
    ]


@pytest.mark.openapi
def test_unknown_request_params_are_reported(validator):
    errors = validator.validate_request({"name": "Pro", "colour": "red"}, "post", "/v1/products")
    assert len(errors) == 1 and "'colour' was unexpected" in errors[0]


@pytest.mark.openapi
def test_valid_request_passes_with_python_or_form_encoded_scalars(validator):
    typed = {
        "name": "Pro",
        "active": True,
        "metadata": {"plan": "pro", "seats": 5},
        "default_price_data": {
            "currency": "usd",
            "unit_amount": 1500,
            "recurring": {"interval": "month", "interval_count": 1},
        },
        "description": None,
    }
    form = {
        "name": "Pro",
        "active": "true",
        "default_price_data": {
            "currency": "usd",
            "unit_amount": "1500",
            "recurring": {"interval": "month", "interval_count": "1"},
        },
    }
    assert validator.validate_request(typed, "post", "/v1/products") == []
    assert validator.validate_request(form, "post", "/v1/products") == []


@pytest.mark.openapi
def test_request_still_rejects_bad_scalars(validator):
    params = {
        "name": "Pro",
        "active": "maybe",
        "default_price_data": {"currency": "usd", "unit_amount": "1.5"},
    }
    errors = validator.validate_request(params, "post", "/v1/products")
    assert [e.split(":")[0] for e in errors] == ["active", "default_price_data.unit_amount"]


@pytest.mark.openapi
def test_unknown_schema_or_operation_raises(validator):
    with pytest.raises(KeyError):
        validator.validate_object({}, "no_such_object")
    with pytest.raises(KeyError):
        validator.validate_response({}, "get", "/v1/no_such_path")


def test_json_path_formatting():
    assert json_path(["lines", "data", 0, "pricing"]) == "lines.data[0].pricing"
    assert json_path([]) == "<root>"


def test_the_schema_ships_in_the_package_with_its_version_and_notice():
    from importlib import resources

    from simulator.spec import load_schema, spec_version
    assert spec_version() == load_schema()["info"]["version"]
    assert resources.files("simulator.spec").joinpath("VERSION").read_text().strip() == spec_version()
    assert "MIT License" in resources.files("simulator.spec").joinpath("NOTICE").read_text()
    schema = load_schema()
    assert len(schema["paths"]) > 400 and "customer" in schema["components"]["schemas"]
    assert '"description"' not in str(schema["paths"]["/v1/customers"]["get"]["parameters"])


def test_unknown_fields_fail_at_any_depth(validator):
    assert validator.validate_object(make_product(colour="red"), "product") == [
        "<root>: Additional properties are not allowed ('colour' was unexpected)"]
    nested = make_product(default_price=make_price(recurring={**make_price()["recurring"], "x": 1}))
    assert [e.split(":")[0] for e in validator.validate_object(nested, "product")] == ["default_price.recurring"]
