"""Every expandable field of every served read, over HTTP: each path the spec's `x-expandableFields` allow is
accepted; an id comes back as the object it names (null stays null), and a field the fake leaves out unless asked
(includable: a customer's `tax`, an invoice's `payments`) comes back when asked. Responses validate strictly."""

import contextlib
import io
import re
from pathlib import Path

import pytest
import requests

from simulator.api.app import served_operations
from simulator.api.operations import matcher
from simulator.fake_stripe import FakeStripe
from simulator.spec import load_schema, spec_version
from tests.support.expandable import ExpandPath, expand_paths, response_schema
from tests.support.prerequisites import MAKERS, READS, World

from .conftest import KEY, START

pytestmark = [pytest.mark.openapi, pytest.mark.timeout(600)]

READ_OPS = sorted((matcher().operations[key] for key in served_operations() if key[0] == "GET"
                   and "application/json" in load_schema()["paths"][key[1]]["get"]["responses"].get(
                       "200", {}).get("content", {})),
                  key=lambda op: op.id)
PATHS = {op.id: expand_paths(response_schema("GET", op.template)) for op in READ_OPS}
MISSING = object()
# Fields Stripe leaves out unless `expand[]` names them (its API reference marks them "includable"; the spec has no
# such mark): (object, field). A customer's `invoice_credit_balance` is one the spec does not list as expandable.
INCLUDABLE = {("account", "external_accounts"), ("charge", "refunds"), ("checkout.session", "line_items"),
              ("coupon", "currency_options"), ("customer", "cash_balance"), ("customer", "invoice_credit_balance"),
              ("customer", "sources"), ("customer", "subscriptions"), ("customer", "tax"), ("customer", "tax_ids"),
              ("invoice", "confirmation_secret"), ("invoice", "payments"), ("payment_link", "line_items"),
              ("plan", "tiers"), ("price", "currency_options"), ("price", "tiers"), ("quote", "line_items")}


@pytest.fixture(scope="module")
def validator():
    from tests.support.openapi import require_spec
    return require_spec()


@pytest.fixture(scope="module")
def world():
    """One fake holding one of everything the makers make, read in the spec's own version (the schema's shapes)."""
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with fake.serving() as base, requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {KEY}", "Stripe-Version": spec_version()})

        def call(method: str, path: str, form: dict | None = None) -> requests.Response:
            where = "params" if method == "GET" else "data"
            return session.request(method, base + path, timeout=20, **{where: form})
        made = World(call, START)
        for name in MAKERS:
            made.id(name)
        yield made
    fake.close()


def leaves(plain, got, parts: list[str]):
    """(plain value, expanded value, the object holding it) at the end of a path in both answers; arrays are walked
    item by item."""
    if isinstance(got, list):
        plain = plain if isinstance(plain, list) and len(plain) == len(got) else [MISSING] * len(got)
        for before, after in zip(plain, got):
            yield from leaves(before, after, parts)
        return
    if not isinstance(got, dict):
        return
    key, rest = parts[0], parts[1:]
    before = plain.get(key, MISSING) if isinstance(plain, dict) else MISSING
    after = got.get(key, MISSING)
    if rest:
        yield from leaves(before, after, rest)
    else:
        yield before, after, got.get("object")


def shape(value):
    """A value's keys or length: what expanding a nested field must keep (a preview's fresh ids may differ)."""
    return sorted(value) if isinstance(value, dict) else len(value) if isinstance(value, list) else type(value)


def judge(expand: ExpandPath, plain, got) -> list[str]:
    """What is wrong with one expanded answer, compared with the plain one."""
    wrong = []
    for before, after, holder in leaves(plain, got, expand.path.split(".")):
        field = expand.path.rpartition(".")[2]
        if expand.reference and isinstance(before, str):
            if not (isinstance(after, dict) and after.get("id") == before):
                wrong.append(f"{expand.path}: {before!r} left unexpanded ({str(after)[:80]})")
        elif expand.reference and before is None and after is not None:
            wrong.append(f"{expand.path}: null became {str(after)[:80]}")
        elif (holder, field) in INCLUDABLE and after is MISSING:
            wrong.append(f"{expand.path}: includable, but not included when asked")
        elif (holder, field) in INCLUDABLE and before is not MISSING:
            wrong.append(f"{expand.path}: includable, but there unasked")
        elif not expand.reference and before is not MISSING and shape(after) != shape(before):
            wrong.append(f"{expand.path}: a nested field changed shape by expanding it")
    return wrong


def read(world: World, op, expand: list[str] | None = None) -> requests.Response:
    makers, query = READS.get(op.id, ({}, {}))
    form = dict(world.form(query))
    if expand:
        form["expand[]"] = expand
    return world.call("GET", world.path(op.template, makers), form)


def check_op(world: World, validator, op, paths: list[ExpandPath]) -> None:
    plain = read(world, op)
    if plain.status_code == 404:  # nothing of the kind on the account: the paths are still accepted
        answer = read(world, op, [p.path for p in paths])
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "resource_missing", answer.text
        return
    assert plain.status_code == 200, plain.text
    wrong = []
    for expand in paths:
        answer = read(world, op, [expand.path])
        if answer.status_code != 200:
            wrong.append(f"{expand.path}: {answer.status_code} {answer.text[:200]}")
            continue
        wrong += judge(expand, plain.json(), answer.json())
    assert wrong == [], f"{op.id}: {len(wrong)} wrong\n" + "\n".join(wrong)
    together = read(world, op, [p.path for p in paths if p.path.count(".") < 2])
    assert together.status_code == 200, together.text
    errors = validator.validate_response(together.json(), "GET", op.template)
    assert errors == [], f"{op.id}: {errors[:5]}"


def test_the_includable_fields_are_expandable_in_the_spec_but_one():
    schemas = {node.get("x-resourceId"): node for node in load_schema()["components"]["schemas"].values()}
    undeclared = {(kind, field) for kind, field in INCLUDABLE
                  if field not in schemas[kind].get("x-expandableFields", ())}
    assert undeclared == {("customer", "invoice_credit_balance")}


def test_the_spec_gives_expandable_paths_for_the_served_reads():
    assert len(READ_OPS) >= 100 and sum(len(paths) for paths in PATHS.values()) >= 3000
    customer = {p.path: p.reference for p in PATHS["GetCustomersCustomer"]}
    assert customer["test_clock"] and not customer["tax"] and customer["invoice_settings.default_payment_method"]
    assert {p.path for p in PATHS["GetInvoices"]} >= {"data.customer", "data.payments", "data.lines"}


@pytest.mark.parametrize("op", READ_OPS, ids=lambda op: op.id)
def test_every_expandable_path_of_each_served_read(world, validator, op):
    """Every path up to three levels (a list's `data.invoice_settings.default_payment_method`), one at a time."""
    check_op(world, validator, op, PATHS[op.id])


def test_the_docs_example_runs(base_url):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fake-stripe.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", doc, flags=re.S) if "cash_balance" in b)
    block = "\n".join(line[2:] for line in block.splitlines())  # the block sits indented in a list item
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(block.replace("http://127.0.0.1:12180", base_url), {})
    assert out.getvalue().splitlines() == expected
