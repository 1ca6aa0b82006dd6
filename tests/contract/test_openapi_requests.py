"""Every request the platform sends to Stripe validates against the request schemas of Stripe's OpenAPI spec.

Runs in every CI run without Docker, against the schema shipped in simulator/spec. Query parameters of GET operations are checked
against the operation's `parameters`; form bodies against its requestBody, both with SpecValidator.
"""

import re
from pathlib import Path

import pytest

from tests.support.openapi import SpecValidator, load_spec, require_spec

from .outbound import SDK_CALLS
from .recording import Call, nest, template_for

pytestmark = pytest.mark.openapi
PLATFORM = Path(__file__).resolve().parents[2] / "platform_adapter"
SDK_CALL = re.compile(r"\.v1\.([a-z_]+(?:\.[a-z_]+)*)\.(list|create|update|retrieve|cancel|delete|del|search|"
                      r"resume|expire)\(")


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    """The spec validator over request schemas as Stripe enforces them (see `_request_schema`)."""
    require_spec()
    spec = load_spec()
    paths = {template: {method: _request_schema(method, op) if isinstance(op, dict) else op
                        for method, op in operations.items()}
             for template, operations in spec["paths"].items()}
    return SpecValidator({**spec, "paths": paths})


def _request_schema(method: str, operation: dict) -> dict:
    """The operation with its parameters as one closed form schema.

    GET and DELETE take their parameters in the query, so those (`parameters`, `in: query`) become the
    schema. And Stripe refuses an unknown parameter at any depth ("Received unknown parameter:
    line_items[0][pricee]") while the spec closes only the top level, so every object that lists its
    properties and says nothing about others is closed here too (request schemas use no $ref or allOf).
    """
    if method in ("get", "delete"):
        query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {p["name"]: p.get("schema", {}) for p in query},
                  "required": [p["name"] for p in query if p.get("required")]}
    else:
        body = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
        if body is None:
            return operation
        schema = body["schema"]
    form = {"application/x-www-form-urlencoded": {"schema": _closed(schema)}}
    return {**operation, "requestBody": {**operation.get("requestBody", {}), "content": form}}


def _closed(node):
    if isinstance(node, list):
        return [_closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed(value) if key in ("items", "anyOf", "oneOf", "additionalProperties") else value
           for key, value in node.items()}
    if "properties" in out:
        out["properties"] = {name: _closed(schema) for name, schema in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    return out


def errors_of(validator: SpecValidator, call: Call, params: dict | None = None) -> list[str]:
    template = template_for(call.method, call.path, validator._spec["paths"])
    return validator.validate_request(call.params if params is None else params, call.method, template)


def test_every_outbound_request_matches_the_spec(recorded, validator):
    calls, _, _, _ = recorded
    assert calls
    failures = {f"{c.step}: {c.method} {c.path} {dict(c.pairs)}": errors_of(validator, c) for c in calls}
    assert {call: errors for call, errors in failures.items() if errors} == {}


def test_every_outbound_call_is_driven(recorded):
    """A new SDK call in platform_adapter (say subscriptions.cancel) fails here until the driver covers it."""
    calls, _, _, _ = recorded
    in_source = {".".join(m) for path in PLATFORM.rglob("*.py") for m in SDK_CALL.findall(path.read_text())}
    assert in_source - set(SDK_CALLS) == set(), "add these calls to tests/contract/outbound.py"
    expected = {op for op in SDK_CALLS.values() if op}
    # Without the spec, the expected operations' own templates are enough to name each recorded call.
    spec_paths = load_spec()["paths"] if load_spec() else {t: {m.lower(): {}} for m, t in expected}
    seen = {(c.method, template_for(c.method, c.path, spec_paths)) for c in calls}
    assert expected <= seen


def test_checkout_is_created_in_both_modes_with_the_guides_parameters(recorded):
    calls, pro, _, _ = recorded
    sessions = [c.params for c in calls if c.method == "POST" and c.path == "/v1/checkout/sessions"]
    assert [s["mode"] for s in sessions] == ["subscription", "payment", "subscription"]
    assert [s["line_items"][0]["price"] for s in sessions] == [pro["recurring"], pro["one_time"], pro["recurring"]]
    assert sessions[0]["subscription_data"] == sessions[2]["subscription_data"] == {
        "metadata": {"accountRef": "acct-contract"}}
    assert sessions[1]["payment_intent_data"] == {"metadata": {"accountRef": "acct-contract"}}
    updates = [c.params for c in calls if c.method == "POST" and c.path.startswith("/v1/subscriptions/")]
    [item] = updates[0]["items"]
    assert item["price"] == pro["other_recurring"] and updates[0]["proration_behavior"] == "create_prorations"
    assert updates[1:] == [{"cancel_at_period_end": "true"}]


@pytest.mark.parametrize("mutate, expected", [
    pytest.param(lambda p: p["line_items"][0].update(pricee=p["line_items"][0].pop("price")), "pricee",
                 id="misspelt-line-item-key"),
    pytest.param(lambda p: p.update(mode="subscriptions"), "mode", id="unknown-mode"),
    pytest.param(lambda p: p.update(customer_emails=p.pop("customer_email")), "customer_emails", id="misspelt-top"),
    pytest.param(lambda p: p["subscription_data"].update(metadata="acct"), "subscription_data", id="wrong-type"),
])
def test_a_parameter_stripe_would_refuse_is_reported(recorded, validator, mutate, expected):
    calls, _, _, _ = recorded
    session = next(c for c in calls if c.path == "/v1/checkout/sessions" and c.params["mode"] == "subscription")
    params = session.params
    mutate(params)
    errors = errors_of(validator, session, params)
    assert errors and any(expected in e for e in errors), errors


def test_a_wrong_query_parameter_is_reported(recorded, validator):
    calls, _, _, _ = recorded
    listing = next(c for c in calls if c.method == "GET" and c.path == "/v1/prices")
    assert errors_of(validator, listing, {**listing.params, "actives": "true"})
    assert errors_of(validator, listing, nest([("limit", "many")]))
