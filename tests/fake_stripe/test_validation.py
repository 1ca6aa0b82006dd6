"""Requests are validated against the schema derived from Stripe's spec, with Stripe's error codes and `param`."""

import json
import re

import pytest
import requests
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.api.app import served_operations
from simulator.api.operations import all_operations, coverage, matcher
from simulator.api.validation import UNSET, request_schema, versioned_schema
from simulator.versions import CURRENT, removed_parameter

from .conftest import KEY, START

SERVED = sorted((matcher().operations[key] for key in served_operations()), key=lambda op: (op.template, op.method))


@pytest.fixture(scope="module")
def api():
    """One fake for the many validation cases (validation runs before handlers, so nothing changes it)."""
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with fake.serving() as base, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"
        yield lambda method, path, **kwargs: session.request(method, base + path, timeout=10, **kwargs)


def _concrete(template: str) -> str:
    """A path for a template, with made-up ids (validation runs before any id is looked up)."""
    return re.sub(r"\{[^}]+\}", "x_1", template)


def _main(schema: dict) -> dict:
    """The branch of an anyOf that is not the "unset" (`""`) branch."""
    branches = [b for b in schema.get("anyOf", [schema]) if b != UNSET]
    return branches[0]


def wrong_values(name: str, schema: dict) -> list[tuple[list[tuple[str, str]], str | None, str, str]]:
    """(form pairs, expected code, expected param, expected message start) for one wrong value of a parameter."""
    node = _main(schema)
    kind = node.get("type")
    if "anyOf" in node or kind is None:
        return []
    if kind == "integer":
        return [([(name, "ten")], "parameter_invalid_integer", name, "Invalid integer: ten")]
    if kind == "boolean":
        return [([(name, "maybe")], None, name, "Invalid boolean: maybe")]
    if kind == "number":
        return [([(name, "lots")], None, name, "Invalid decimal: lots")]
    if kind == "array":
        return [([(name, "scalar")], None, name, "Invalid array")]
    if kind == "object" and node.get("properties") is not None:
        return [([(f"{name}[zz_not_a_field]", "1")], "parameter_unknown", f"{name}[zz_not_a_field]",
                 f"Received unknown parameter: {name}[zz_not_a_field]")]
    if kind == "object":
        return [([(name, "scalar")], None, name, "Invalid hash")]
    if kind == "string" and "enum" in node:
        return [([(name, "zz_bogus")], None, name, f"Invalid {name}: must be one of")]
    if kind == "string" and node.get("maxLength"):
        long = "x" * (node["maxLength"] + 1)
        return [([(name, long)], None, name, f"Invalid string: {long[:20]}...; must be at most {node['maxLength']}")]
    if kind == "string" and node.get("format") == "currency":
        return [([(name, "usdx")], None, name, "Invalid currency: usdx")]
    if kind == "string" and node.get("format") == "decimal":
        return [([(name, "lots")], None, name, "Invalid decimal: lots")]
    if kind == "string":
        return [([(f"{name}[x]", "1")], None, name, "Invalid string: (hash)")]
    return []


CASES = [pytest.param(op, pairs, code, param, message, id=f"{op.id}-{param}")
         for op in SERVED
         # The parameters as they are in the version the fake answers these requests in (the account's).
         for name, schema in sorted(versioned_schema(op, CURRENT)["properties"].items())
         # A parameter the account's version removed is refused as removed (test_versions_api.py), whatever its value.
         if removed_parameter(op.id, {name: ""}, CURRENT) is None
         for pairs, code, param, message in wrong_values(name, schema)]


def test_the_cases_cover_every_served_operation():
    assert {case.values[0] for case in CASES} >= {op for op in SERVED if request_schema(op)["properties"]}
    assert len(CASES) > 300


def test_every_documented_parameter_of_every_served_operation_has_a_wrong_value():
    missing = [(op.id, name) for op in SERVED for name, schema in versioned_schema(op, CURRENT)["properties"].items()
               if not wrong_values(name, schema) and removed_parameter(op.id, {name: ""}, CURRENT) is None]
    assert missing == []


@pytest.mark.parametrize(("op", "pairs", "code", "param", "message"), CASES)
def test_each_documented_parameter_wrong_alone_gets_stripes_error(api, op, pairs, code, param, message):
    # GET/DELETE take their parameters in the query, POST in the form body, as the SDK sends them.
    where = "params" if op.method in ("GET", "DELETE") else "data"
    response = api(op.method, _concrete(op.template), **{where: pairs})
    error = response.json()["error"]
    assert response.status_code == 400, error
    assert (error.get("code"), error["param"], error["type"]) == (code, param, "invalid_request_error")
    assert error["message"].startswith(message)


@pytest.mark.parametrize("op", SERVED, ids=lambda op: op.id)
def test_unknown_and_missing_parameters_of_every_served_operation(api, op):
    where = "params" if op.method in ("GET", "DELETE") else "data"
    response = api(op.method, _concrete(op.template), **{where: {"zz_unknown": "1"}})
    assert response.status_code == 400
    assert response.json()["error"] | {"doc_url": None} == {
        "code": "parameter_unknown", "param": "zz_unknown", "message": "Received unknown parameter: zz_unknown",
        "type": "invalid_request_error", "doc_url": None}
    required = request_schema(op)["required"]
    if required:
        error = api(op.method, _concrete(op.template)).json()["error"]
        assert (error["code"], error["param"]) == ("parameter_missing", required[0])
        assert error["message"] == f"Missing required param: {required[0]}."


def test_nested_errors_name_the_full_bracket_path(http, guide):
    body = {"mode": "subscription", "success_url": "https://a.example/ok", "line_items[0][price]": "p",
            "line_items[0][quantity]": "two"}
    error = http("POST", "/v1/checkout/sessions", data=body).json()["error"]
    assert (error["code"], error["param"]) == ("parameter_invalid_integer", "line_items[0][quantity]")
    error = http("POST", "/v1/checkout/sessions", data={**body, "line_items[0][quantity]": "1",
                                                        "line_items[0][pricee]": "p"}).json()["error"]
    assert (error["code"], error["param"]) == ("parameter_unknown", "line_items[0][pricee]")
    error = http("GET", "/v1/customers", params={"created[gte]": "yesterday"}).json()["error"]
    assert (error["code"], error["param"]) == ("parameter_invalid_integer", "created[gte]")


def test_real_parameters_the_fake_does_not_model_are_accepted(http):
    # `automatic_tax` is a real parameter; the schema knows it, so it is not "unknown".
    response = http("POST", "/v1/customers", data={"email": "a@example.com", "tax[validate_location]": "deferred"})
    assert response.status_code == 200, response.json()


def test_metadata_values_may_be_emptied_to_remove_a_key(http):
    customer = http("POST", "/v1/customers", data={"metadata[a]": "1", "metadata[b]": "2"}).json()
    updated = http("POST", f"/v1/customers/{customer['id']}", data={"metadata[a]": ""}).json()
    assert updated["metadata"] == {"b": "2"}


@pytest.mark.parametrize(("path", "expand", "ok"), [
    ("/v1/customers", "data.test_clock", True),
    ("/v1/customers", "data.email", False),
    ("/v1/customers", "data.invoice_settings.default_payment_method", True),
    ("/v1/prices", "data.product.default_price", True),
    ("/v1/prices", "data.nickname", False),
    ("/v1/prices", "data.no_such_field", False),
    ("/v1/products", "data", True),
    ("/v1/products", "url", False),
])
def test_expand_is_checked_against_the_expandable_fields_of_the_response(api, path, expand, ok):
    response = api("GET", path, params={"expand[]": expand})
    if ok:
        assert response.status_code == 200, response.json()
    else:
        error = response.json()["error"]
        assert (response.status_code, error["param"], error["type"]) == (400, "expand", "invalid_request_error")
        assert error["message"] == f"This property cannot be expanded ({expand.rpartition('.')[2]})."


def test_a_bad_expand_on_a_create_changes_nothing(http):
    before = http("GET", "/v1/customers").json()["data"]
    response = http("POST", "/v1/customers", data={"email": "x@example.com", "expand[]": "email"})
    assert response.status_code == 400
    assert http("GET", "/v1/customers").json()["data"] == before


def test_spec_operations_outside_the_fake_say_so_and_unknown_urls_do_not(http):
    outside = http("GET", "/v1/payouts")
    error = outside.json()["error"]
    assert outside.status_code == 404 and error["type"] == "invalid_request_error"
    assert "GetPayouts (GET /v1/payouts)" in error["message"] and "does not simulate" in error["message"]
    unknown = http("GET", "/v1/widgets").json()["error"]
    assert unknown["message"].startswith("Unrecognized request URL (GET: /v1/widgets)")
    wrong_method = http("PUT", "/v1/customers").json()["error"]
    assert wrong_method["message"].startswith("Unrecognized request URL")


def test_literal_segments_win_over_ids():
    assert matcher().template("/v1/products/search") == "/v1/products/search"
    assert matcher().template("/v1/products/prod_1") == "/v1/products/{id}"
    assert matcher().template("/v1/products//features") is None


def test_coverage_lists_served_operations_per_family():
    result = CliRunner().invoke(main, ["fake-stripe", "--coverage", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    families = {f["family"]: f for f in report["families"]}
    assert "GetCustomersCustomer (GET /v1/customers/{customer})" in families["customers"]["served"]
    served = sum(len(f["served"]) for f in families.values())
    assert served == len(served_operations())
    total = {op.id for op in all_operations() if op.family in families}
    assert {s.partition(" ")[0] for f in families.values() for s in f["served"] + f["not_served"]} == total
    text = CliRunner().invoke(main, ["fake-stripe", "--coverage"]).output
    assert re.search(r"customers\s+\d+ / \d+", text) and "GET    /v1/customers/{customer}" in text


def test_the_docs_coverage_table_matches_what_the_fake_serves():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fake-stripe.md").read_text(encoding="utf-8")
    rows, totals = [], [0, 0, 0, 0]
    for family in coverage(served_operations()):
        gets = [[op for op in family[kind] if op.method == "GET"] for kind in ("served", "not_served")]
        figures = [len(family["served"]), len(family["served"]) + len(family["not_served"]),
                   len(gets[0]), len(gets[0]) + len(gets[1])]
        totals = [t + f for t, f in zip(totals, figures)]
        rows.append("| `{}` | {} / {} | {} / {} |".format(family["family"], *figures))
    rows.append("| **total** | **{} / {}** | **{} / {}** |".format(*totals))
    table = [line for line in doc.splitlines() if re.match(r"\| (`[\w/]+`|\*\*total\*\*) \| \**\d+ / \d+", line)]
    assert table == rows, "docs/fake-stripe.md's coverage table differs from `fake-stripe --coverage`:\n" + "\n".join(rows)


LONG_KEY = "k" * 41


@pytest.mark.parametrize("path, body, code, param", [
    ("/v1/prices", {"currency": "usd", "product": "prod_x", "unit_amount": "-1"}, "parameter_invalid_integer",
     "unit_amount"),
    ("/v1/prices", {"currency": "usd", "product": "prod_x", "unit_amount": "5", "recurring[interval]": "month",
                    "recurring[interval_count]": "0"}, "parameter_invalid_integer", "recurring[interval_count]"),
    ("/v1/prices", {"currency": "usd", "product": "prod_x", "billing_scheme": "tiered", "tiers_mode": "volume",
                    "tiers[0][up_to]": "inf", "tiers[0][flat_amount]": "-3"}, "parameter_invalid_integer",
     "tiers[0][flat_amount]"),
    ("/v1/products", {"name": "P", "default_price_data[currency]": "usd", "default_price_data[unit_amount]": "-5"},
     "parameter_invalid_integer", "default_price_data[unit_amount]"),
    ("/v1/customers", {f"metadata[{LONG_KEY}]": "v"}, None, f"metadata[{LONG_KEY}]"),
    ("/v1/customers", {"invoice_prefix": "ABCDEFGHIJKLM"}, None, "invoice_prefix"),
    ("/v1/customers", {"next_invoice_sequence": "0"}, "parameter_invalid_integer", "next_invoice_sequence"),
    ("/v1/checkout/sessions", {"mode": "payment", "ui_mode": "embedded_page"}, None, "ui_mode"),
    ("/v1/checkout/sessions", {"mode": "payment", "line_items[0][price]": "p", "line_items[0][quantity]": "-1"},
     "parameter_invalid_integer", "line_items[0][quantity]"),
    ("/v1/checkout/sessions", {"success_url": "https://a.example/ok"}, "parameter_missing", "mode"),
    ("/v1/subscriptions", {"customer": "cus_x", "items[0][price]": "p", "collection_method": "send_invoice"}, None,
     "collection_method"),
    ("/v1/subscriptions", {"customer": "cus_x"}, "parameter_missing", "items"),
    ("/v1/payment_methods", {"type": "acss_debit"}, None, "type"),
    ("/v1/payment_methods", {"type": "us_bank_account"}, None, "us_bank_account[account_number]"),
    ("/v1/payment_methods", {"type": "sepa_debit"}, None, "sepa_debit[iban]"),
    ("/v1/payment_methods", {"type": "sepa_debit", "sepa_debit[iban]": "DE00123"}, "invalid_bank_account_iban",
     "sepa_debit[iban]"),
    ("/v1/payment_methods/pm_x/attach", {}, "parameter_missing", "customer"),
    ("/v1/test_helpers/test_clocks", {"frozen_time": "-1"}, "parameter_invalid_integer", "frozen_time"),
    ("/v1/webhook_endpoints", {"url": "https://a.example/" + "x" * 5000, "enabled_events[]": "*"}, None, "url"),
    ("/v1/payment_pages/cs_x/confirm", {"expected_amount": "1"}, "parameter_missing", "payment_method"),
    ("/v1/payment_pages/cs_x/confirm", {"payment_method": "pm_x", "expected_amount": "-1"},
     "parameter_invalid_integer", "expected_amount"),
    ("/v1/events/evt_x/retry", {"webhook_endpoint[a]": "b"}, None, "webhook_endpoint"),
], ids=lambda value: value if isinstance(value, str) and value.startswith("/") else None)
def test_rules_the_spec_leaves_out_are_still_stripes(http, path, body, code, param):
    """Minimums, length limits, metadata keys and values the fake does not simulate: refused before anything runs."""
    response = http("POST", path, data=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error.get("code"), error["param"]) == (code, param), error
