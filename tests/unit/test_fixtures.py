"""Stripe CLI's fixture format, parsed and resolved without any I/O."""

import json
import re
import time
from datetime import datetime

import pytest

from simulator import dotenv
from simulator.errors import InvalidOption
from simulator.fixtures import (ApiError, FixtureError, apply_edits, check_skips, env_updates, load, lookup, parse,
                                parse_edit, resolve, run)


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
    (document({"name": "a", "path": "/v1/x", "method": "get", "headers": ["x"]}), "headers must be an object"),
    (document({"name": "a", "path": "/v1/x", "method": "get", "api_base": 7}), "api_base must be a string"),
    ('{"fixtures": [], "env": {"A": 1}}', "env must be an object of strings"),
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

    def send(request):
        sent.append((request.method, request.path, request.params))
        if "Declined" in request.path:
            raise ApiError("card_error", "Your card was declined.", 402)
        return {"id": "cus_1"}

    responses = run(fixtures, send, {"EMAIL": "x@example.com"})
    assert sent == [("post", "/v1/customers", {"email": "x@example.com"}),
                    ("post", "/v1/payment_methods/pm_card_chargeDeclined/attach", {"customer": "cus_1"}),
                    ("get", "/v1/customers/cus_1", {})]
    assert responses["declined"] == {} and responses["again"] == {"id": "cus_1"}
    with pytest.raises(ApiError) as failed:
        run(fixtures[:2], lambda request: (_ for _ in ()).throw(ApiError("invalid_request_error", "no", 400)),
            {"EMAIL": "x"})
    assert failed.value.fixture == "customer" and failed.value.request == "POST /v1/customers"


def test_lookup_walks_lists_and_objects():
    assert lookup({"items": {"data": [{"id": "si_1"}]}}, "items.data.0.id") == "si_1"
    with pytest.raises(KeyError):
        lookup({"items": {"data": []}}, "items.data.0.id")


def test_a_later_fixture_of_the_same_name_replaces_the_earlier_response():
    fixtures = parse(document({"name": "quote", "path": "/v1/quotes", "method": "post"},
                              {"name": "quote", "path": "/v1/quotes/${quote:id}/finalize", "method": "post"},
                              {"name": "accept", "path": "/v1/quotes/${quote:id}/accept", "method": "post"}))
    answers = iter([{"id": "qt_1", "status": "draft"}, {"id": "qt_1", "status": "open"}, {"id": "qt_1"}])
    paths = []
    responses = run(fixtures, lambda request: paths.append(request.path) or next(answers), {})
    assert paths == ["/v1/quotes", "/v1/quotes/qt_1/finalize", "/v1/quotes/qt_1/accept"]
    assert responses["quote"]["status"] == "open"


def test_defaults_apply_to_any_reference_and_generated_values_are_fresh():
    responses = {"session": {"id": "sess_1", "token": ""}}
    assert resolve("${session:token|none-yet}", responses, {}, "x") == "none-yet"
    assert resolve("${session:missing|fallback}", responses, {}, "x") == "fallback"
    assert resolve("Bearer ${session:id|x}", responses, {}, "x") == "Bearer sess_1"
    assert resolve("${.env:EMPTY|d}", responses, {"EMPTY": ""}, "x") == "d"
    first, second = resolve("${generate-uuid}", {}, {}, "x"), resolve("${generate-uuid}", {}, {}, "x")
    assert first != second and re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", first)
    stamp = datetime.fromisoformat(resolve("${time-now-RFC3339}", {}, {}, "x"))
    assert stamp.tzinfo is not None and abs(stamp.timestamp() - time.time()) < 5


def test_headers_api_base_and_idempotency_keys_reach_send_resolved_and_skips_send_nothing():
    fixtures = parse(document(
        {"name": "session", "path": "/v1/customers", "method": "post"},
        {"name": "skipped", "path": "/v1/customers", "method": "post"},
        {"name": "stream", "path": "/v2/things", "method": "post", "api_base": "http://127.0.0.1:9",
         "idempotency_key": "key-${session:id}", "headers": {"Authorization": "Bearer ${session:id}"}}))
    sent, steps = [], []
    run(fixtures, lambda request: sent.append(request) or {"id": "cus_1"}, {}, on_step=steps.append,
        skip=("skipped",))
    assert [r.path for r in sent] == ["/v1/customers", "/v2/things"]
    assert sent[1].headers == {"Authorization": "Bearer cus_1"} and sent[1].api_base == "http://127.0.0.1:9"
    assert sent[1].idempotency_key == "key-cus_1"
    assert [s.skipped for s in steps] == [False, True, False]
    with pytest.raises(FixtureError, match="has not run"):
        run(parse(document({"name": "a", "path": "/v1/customers", "method": "post"},
                           {"name": "b", "path": "/v1/customers/${a:id}", "method": "get"})),
            lambda request: {"id": "cus_1"}, {}, skip=("a",))
    with pytest.raises(InvalidOption, match="--skip nobody"):
        check_skips(fixtures, ["nobody"])


def test_the_env_block_resolves_against_the_responses():
    document_ = load(json.dumps({"fixtures": [], "env": {"CUSTOMER": "${customer:id}", "AT": "v-${.env:V|1}"}}))
    assert env_updates(document_.env, {"customer": {"id": "cus_1"}}, {}) == {"CUSTOMER": "cus_1", "AT": "v-1"}


def test_dotenv_reads_under_the_environment_and_updates_only_an_existing_file(tmp_path):
    assert dotenv.environment({"A": "process"}, tmp_path) == {"A": "process"}
    (tmp_path / ".env").write_text('# comment\nA=file\nexport B="two words"\nC=x # trailing\n')
    assert dotenv.environment({"A": "process", "B": ""}, tmp_path) == {"A": "process", "B": "two words", "C": "x"}
    assert dotenv.update(tmp_path / ".env", {"B": "new", "D": "4"}) is True
    assert dotenv.read(tmp_path / ".env") == {"A": "file", "B": "new", "C": "x", "D": "4"}
    assert dotenv.update(tmp_path / "missing" / ".env", {"B": "x"}) is False


def test_add_sets_a_param_only_where_the_fixture_has_none_and_override_replaces():
    fixtures = parse(document({"name": "customer", "path": "/v1/customers", "method": "post",
                               "params": {"email": "a@b.c", "metadata": {"ref": "acct-1"}}}))
    added = apply_edits(fixtures, [parse_edit("customer:email=x@y.z", add=True),
                                   parse_edit("customer:name=Jane", add=True),
                                   parse_edit("customer:metadata.ref=acct-2", add=True)])
    assert added[0].params == {"email": "a@b.c", "name": "Jane", "metadata": {"ref": "acct-1"}}
    overridden = apply_edits(fixtures, [parse_edit("customer:email=x@y.z")])
    assert overridden[0].params["email"] == "x@y.z"
