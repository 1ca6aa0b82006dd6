"""Enum-valued parameters: an empty value unsets the field where Stripe's spec allows it (else 400), and no response
leaves the spec's enums: a property test over the served POSTs that take such parameters."""

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.fake_stripe import FakeStripe

from .conftest import KEY, START

pytestmark = [pytest.mark.openapi, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def validator():
    from tests.support.openapi import require_spec
    return require_spec()


@pytest.fixture(scope="module")
def api():
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with fake.serving() as base, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"
        yield lambda method, path, **kwargs: session.request(method, base + path, timeout=10, **kwargs)


def test_an_empty_tax_exempt_unsets_it_to_none(api, validator):
    made = api("POST", "/v1/customers", data={"email": "e@example.com", "tax_exempt": ""})
    assert made.status_code == 200 and made.json()["tax_exempt"] == "none"
    exempt = api("POST", f"/v1/customers/{made.json()['id']}", data={"tax_exempt": "exempt"}).json()
    assert exempt["tax_exempt"] == "exempt"
    emptied = api("POST", f"/v1/customers/{made.json()['id']}", data={"tax_exempt": ""}).json()
    assert emptied["tax_exempt"] == "none" and not validator.validate_response(emptied, "POST", "/v1/customers")


def test_an_empty_value_where_the_spec_does_not_allow_it_is_400(api):
    answer = api("POST", "/v1/customers", data={"email": "", "preferred_locales[0]": ""})
    assert answer.status_code == 400


ENUM_VALUE = st.sampled_from(["", "none", "exempt", "reverse", "include_inclusive_tax", "exclude_tax", "bogus"])
FEEDBACK = st.sampled_from(["", "too_expensive", "missing_features", "other", "bogus"])
TEXT = st.sampled_from(["", "x", "Zoë"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tax_exempt=ENUM_VALUE, display=ENUM_VALUE, name=TEXT, feedback=FEEDBACK)
def test_no_response_of_a_served_post_leaves_the_spec_enums(api, validator, tax_exempt, display, name, feedback):
    form = {"tax_exempt": tax_exempt, "invoice_settings[rendering_options][amount_tax_display]": display,
            "name": name}
    created = api("POST", "/v1/customers", data=form)
    assert created.status_code in (200, 400), created.text
    if created.status_code == 400:
        assert validator.validate_object(created.json(), "error") == []
        return
    body = created.json()
    assert not validator.validate_response(body, "POST", "/v1/customers"), body
    updated = api("POST", f"/v1/customers/{body['id']}", data=form)
    assert updated.status_code == 200 and not validator.validate_response(
        updated.json(), "POST", "/v1/customers/{customer}")
    prices = api("GET", "/v1/prices", params={"lookup_keys[0]": "professional_1m_recurring"}).json()["data"]
    sub = api("POST", "/v1/subscriptions", data={"customer": body["id"], "items[0][price]": prices[0]["id"],
                                                 "payment_behavior": "default_incomplete"})
    if sub.status_code == 200:
        canceled = api("POST", f"/v1/subscriptions/{sub.json()['id']}",
                       data={"cancellation_details[feedback]": feedback, "cancel_at_period_end": "true"})
        assert canceled.status_code in (200, 400), canceled.text
        if canceled.status_code == 200:
            assert not validator.validate_response(canceled.json(), "POST",
                                                   "/v1/subscriptions/{subscription_exposed_id}")


def _enum_nodes(schema: dict, path: str = ""):
    """(path, node) of every string enum of a request schema that lists "" (at any depth)."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and "" in schema.get("enum", ()) and schema["enum"] != [""]:
        yield path, schema
    for key, child in (schema.get("properties") or {}).items():
        yield from _enum_nodes(child, f"{path}[{key}]" if path else key)
    for branch in schema.get("anyOf", ()):
        yield from _enum_nodes(branch, path)
    if schema.get("type") == "array":
        yield from _enum_nodes(schema.get("items", {}), f"{path}[0]")


def test_no_served_post_hands_an_empty_enum_value_to_its_handler():
    """Over every served POST: each enum that lists "" reads "" as unset, and any other value as itself."""
    from simulator.api.app import served_operations
    from simulator.api.operations import matcher
    from simulator.api.validation import coerce, request_schema

    checked = 0
    for key in sorted(served_operations()):
        op = matcher().operations[key]
        if op.method != "POST":
            continue
        for path, node in _enum_nodes(request_schema(op)):
            assert coerce(node, "", path) is None, (op.id, path)
            for value in node["enum"]:
                if value:
                    assert coerce(node, value, path) == value
            checked += 1
    assert checked >= 4  # customers' tax_exempt and amount_tax_display, subscriptions' feedback, sessions' …
