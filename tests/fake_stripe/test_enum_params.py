"""Every enum-valued parameter of every served POST, over HTTP: an empty value is refused or unsets as Stripe's spec
says (never stored as ""), a value outside the enum is a 400 naming it that changes nothing, and every 200 and the
events it caused validate strictly against the spec, enums included."""

import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.api.app import served_operations
from simulator.api.operations import matcher
from simulator.api.validation import versioned_schema
from simulator.fake_stripe import FakeStripe
from simulator.versions import CURRENT, removed_parameter
from tests.support.enum_params import EnumParam, enum_params
from tests.support.prerequisites import OPERATIONS, World

from .conftest import KEY, START

pytestmark = [pytest.mark.openapi, pytest.mark.timeout(600)]

POSTS = sorted((matcher().operations[key] for key in served_operations() if key[0] == "POST"), key=lambda op: op.id)
# A parameter the account's version removed is refused as removed whatever its value (test_versions_api.py).
PARAMS = {op.id: [p for p in enum_params(versioned_schema(op, CURRENT))  # as the account (CURRENT) takes them
                  if removed_parameter(op.id, {p.path.partition("[")[0]: ""}, CURRENT) is None] for op in POSTS}
WITH_ENUMS = [op for op in POSTS if PARAMS[op.id]]
OUTSIDE = "zz_not_in_the_enum"


@pytest.fixture(scope="module")
def validator():
    from tests.support.openapi import require_spec
    return require_spec()


@pytest.fixture(scope="module")
def served():
    """One fake for the module (each case makes the objects it needs) and a caller: call(method, path, form)."""
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with fake.serving() as base, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"

        def call(method: str, path: str, form: dict | None = None) -> requests.Response:
            where = "params" if method == "GET" else "data"
            return session.request(method, base + path, timeout=20, **{where: form})
        yield fake, call
    fake.close()


def fingerprint(fake, world: World) -> tuple:
    """What a change to the account shows in: how many objects, the newest event, the case's own objects."""
    store = fake.state.store
    return len(store), store.newest("event"), repr([store.get(id) for id in world.made])


def answer_at(body, path: str):
    """The response's value at a parameter's bracket path (list positions into arrays or list objects), or None."""
    for part in path.replace("]", "").split("["):
        if isinstance(body, dict) and body.get("object") == "list":
            body = body["data"]
        if part.isdigit() and isinstance(body, list) and int(part) < len(body):
            body = body[int(part)]
        elif isinstance(body, dict) and part in body:
            body = body[part]
        else:
            return None
    return body


def check(served, validator, op, param: EnumParam, kind: str, value: str, world: World | None = None) -> None:
    """Send one value of one enum parameter with what the operation needs, and judge the answer by Stripe's rules."""
    fake, call = served
    makers, base = OPERATIONS[op.id]
    world = world or World(call, fake.now)
    path = world.path(op.template, makers)
    form = {**world.form(base), **{k: v for k, v in param.siblings if k not in base}, param.path: value}
    before = fingerprint(fake, world)
    newest = fake.state.store.newest("event")
    answer = call("POST", path, form)
    body = answer.json()
    where = f"{op.id} {param.path}={value!r}: {answer.status_code} {answer.text[:400]}"
    assert answer.status_code < 500, where
    if answer.status_code != 200:
        assert validator.validate_object(body, "error") == [], where
        assert body["error"]["type"] in ("invalid_request_error", "card_error", "idempotency_error"), where
    error = body.get("error", {})
    if kind == "outside":
        assert (answer.status_code, error.get("type"), error.get("param")) == (400, "invalid_request_error",
                                                                               param.path), where
        if not param.mixed:  # else the error of the branch shaped like the value: `Invalid integer: …`
            assert error["message"].startswith(f"Invalid {param.path}: must be one of"), where
    elif kind == "empty" and not param.unsettable:
        assert (answer.status_code, error.get("code"), error.get("param")) == (
            400, "parameter_invalid_empty", param.path), where
    elif kind == "empty":
        assert error.get("param") != param.path, where  # unset, so nothing about it can be wrong
    if answer.status_code != 200:
        assert fingerprint(fake, world) == before, f"a refused request changed the account: {where}"
        return
    errors = validator.validate_response(body, "POST", op.template)
    assert errors == [], f"{errors[:3]} {where}"
    assert answer_at(body, param.path) != "", f"stored as empty: {where}"
    check_events(call, validator, newest, where)


def check_events(call, validator, newest: str | None, where: str) -> None:
    """Each event the request caused, as the API lists it, validates strictly with its data object."""
    page = call("GET", "/v1/events", {"limit": "100", **({"ending_before": newest} if newest else {})}).json()
    for event in page["data"]:
        obj = event["data"]["object"]
        errors = validator.validate_object(event, "event")
        if obj.get("object") != "list":
            errors += validator.validate_object(obj, obj["object"])
        assert errors == [], f"{event['type']} after {where}: {errors[:3]}"


def test_every_served_post_has_its_prerequisites_and_enum_params_are_found():
    assert {op.id for op in POSTS} <= set(OPERATIONS)
    assert len(WITH_ENUMS) >= 44 and sum(len(PARAMS[op.id]) for op in POSTS) >= 900
    customer = {p.path: p for p in PARAMS["PostCustomers"]}
    assert customer["tax_exempt"].unsettable and not customer["tax[validate_location]"].unsettable
    sessions = {p.path: p for p in PARAMS["PostCheckoutSessions"]}
    assert sessions["line_items[0][price_data][recurring][interval]"].siblings  # currency and product come along


KIND = st.sampled_from(["empty", "outside", "valid"])


def _one_case(served, validator, op, data) -> None:
    param = data.draw(st.sampled_from(PARAMS[op.id]), label="param")
    kind = data.draw(KIND, label="kind")
    fixed = {"empty": "", "outside": OUTSIDE}
    value = fixed[kind] if kind in fixed else data.draw(st.sampled_from(param.values), label="value")
    check(served, validator, op, param, kind, value)


@pytest.mark.parametrize("op", WITH_ENUMS, ids=lambda op: op.id)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_enum_parameters_of_each_served_post(served, validator, op, data):
    _one_case(served, validator, op, data)


# The whole sweep is 7,800 requests, each with fresh prerequisites (7½ minutes on two cores): too long for every
# run. By default each parameter gets one of its values (a different one per parameter, so every value of a
# short enum is met across operations) and, where the spec lets it be unset, the empty value; the whole sweep
# runs with SIMPLEX_ENUM_SWEEP=full.
FULL_SWEEP = os.environ.get("SIMPLEX_ENUM_SWEEP") == "full"


@pytest.mark.slow
@pytest.mark.parametrize("op", WITH_ENUMS, ids=lambda op: op.id)
def test_every_value_and_the_empty_value_of_every_enum_parameter(served, validator, op):
    """A valid value of every enum parameter succeeds and validates, and an empty one it may unset is unset."""
    for index, param in enumerate(PARAMS[op.id]):
        values = param.values if FULL_SWEEP else param.values[index % len(param.values):][:1]
        for value in values:
            check(served, validator, op, param, "valid", value)
        if FULL_SWEEP or param.unsettable:
            check(served, validator, op, param, "empty", "")


@pytest.mark.parametrize("op", WITH_ENUMS, ids=lambda op: op.id)
def test_every_enum_parameter_refuses_an_outside_value_and_an_empty_one_it_cannot_unset(served, validator, op):
    """Exhaustive for what validation alone decides: both are refused before anything runs, so one world serves."""
    world = World(served[1], served[0].now)
    for param in PARAMS[op.id]:
        check(served, validator, op, param, "outside", OUTSIDE, world)
        if not param.unsettable:
            check(served, validator, op, param, "empty", "", world)


def test_a_product_whose_default_price_is_refused_is_not_made(served):
    """Found by the sweep: the product was stored (and product.created sent) before its price was refused."""
    fake, call = served
    before = len(fake.state.store), fake.state.store.newest("event")
    answer = call("POST", "/v1/products", {"name": "Half", "default_price_data[currency]": "usd",
                                           "default_price_data[recurring][interval]": "month"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "parameter_missing"
    assert (len(fake.state.store), fake.state.store.newest("event")) == before
