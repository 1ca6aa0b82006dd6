"""Stripe CLI's fixture format, parsed and resolved without any I/O."""

import json

import pytest

from simulator.errors import InvalidOption
from simulator.fixtures import ApiError, FixtureError, apply_edits, lookup, parse, parse_edit, resolve, run


def document(*fixtures: dict, version: int = 0) -> str:
    return json.dumps({"_meta": {"template_version": version}, "fixtures": list(fixtures)})


def test_references_keep_types_and_interpolate_inside_strings():
    responses = {"customer": {"id": "cus_1", "n": 3, "data": [{"id": "pm_1"}], "live": False}}
    env = {"REF": "acct-7"}
    assert resolve("${customer:id}", responses, env, "x") == "cus_1"
    assert resolve("${customer:n}", responses, env, "x") == 3
    path = "/v1/customers/${customer:id}/x-${customer:live}"
    assert resolve(path, responses, env, "x") == "/v1/customers/cus_1/x-false"
    assert resolve({"a": ["${customer:data.0.id}", "${customer:data[0].id}"]}, responses, env, "x") == {
        "a": ["pm_1", "pm_1"]}
    assert resolve("${.env:REF}", responses, env, "x") == "acct-7"
    assert resolve("${.env:MISSING|fallback}", responses, env, "x") == "fallback"


@pytest.mark.parametrize("value,message", [
    ("${nobody:id}", "has not run"), ("${customer:nope}", "is not in customer's response"),
    ("${.env:MISSING}", "is not set in the environment"),
])
def test_unresolvable_references_name_the_problem(value, message):
    with pytest.raises(FixtureError, match=message):
        resolve(value, {"customer": {"id": "cus_1"}}, {}, "fixture 'x'")


@pytest.mark.parametrize("text,message", [
    ("{", "is not JSON"), ('{"fixtures": {}}', "fixtures` list"),
    (document({"name": "a", "path": "/v1/x"}), "needs method"),
    (document({"name": "a", "path": "/v1/x", "method": "put"}), "not get, post or delete"),
    (document({"name": "a", "path": "/v1/x", "method": "get"}, version=1), "template_version"),
    (document({"name": "a", "path": "/v1/x", "method": "get"}, {"name": "a", "path": "/v1/y", "method": "get"}),
     "two fixtures are named"),
])
def test_malformed_files_are_refused(text, message):
    with pytest.raises(FixtureError, match=message):
        parse(text)


def test_edits_override_add_and_remove_nested_params():
    fixtures = parse(document({"name": "checkout_session", "path": "/v1/checkout/sessions", "method": "post",
                               "params": {"metadata": {"accountRef": "acct-1"}, "line_items": [{"price": "p"}],
                                          "customer_email": "a@b.c"}}))
    edited = apply_edits(fixtures, [parse_edit("checkout_session:metadata.accountRef=acct-7"),
                                    parse_edit("checkout_session:line_items[0].quantity=2"),
                                    parse_edit("checkout_session:customer_email", remove=True)])
    assert edited[0].params == {"metadata": {"accountRef": "acct-7"}, "line_items": [{"price": "p", "quantity": "2"}]}
    assert fixtures[0].params["metadata"]["accountRef"] == "acct-1"  # the original is untouched
    with pytest.raises(InvalidOption, match="no fixture is named"):
        apply_edits(fixtures, [parse_edit("session:metadata.x=1")])
    with pytest.raises(InvalidOption, match="name:param.path=value"):
        parse_edit("metadata.accountRef=acct-7")


def test_run_feeds_each_response_to_the_next_and_tolerates_only_expected_errors():
    fixtures = parse(document(
        {"name": "customer", "path": "/v1/customers", "method": "post", "params": {"email": "${.env:EMAIL}"}},
        {"name": "declined", "path": "/v1/payment_methods/pm_card_chargeDeclined/attach", "method": "post",
         "params": {"customer": "${customer:id}"}, "expected_error_type": "card_error"},
        {"name": "again", "path": "/v1/customers/${customer:id}", "method": "get"}))
    sent = []

    def send(method, path, params):
        sent.append((method, path, params))
        if "Declined" in path:
            raise ApiError("card_error", "Your card was declined.", 402)
        return {"id": "cus_1"}

    responses = run(fixtures, send, {"EMAIL": "x@example.com"})
    assert sent == [("post", "/v1/customers", {"email": "x@example.com"}),
                    ("post", "/v1/payment_methods/pm_card_chargeDeclined/attach", {"customer": "cus_1"}),
                    ("get", "/v1/customers/cus_1", {})]
    assert responses["declined"] == {} and responses["again"] == {"id": "cus_1"}
    with pytest.raises(ApiError) as failed:
        run(fixtures[:2], lambda m, p, q: (_ for _ in ()).throw(ApiError("invalid_request_error", "no", 400)),
            {"EMAIL": "x"})
    assert failed.value.fixture == "customer" and failed.value.request == "POST /v1/customers"


def test_lookup_walks_lists_and_objects():
    assert lookup({"items": {"data": [{"id": "si_1"}]}}, "items.data.0.id") == "si_1"
    with pytest.raises(KeyError):
        lookup({"items": {"data": []}}, "items.data.0.id")
