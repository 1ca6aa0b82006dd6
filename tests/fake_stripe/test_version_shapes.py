"""Request parameters and object shapes at versions the packaged spec does not describe: the version table's
PARAMETERS reach the validator, and SHAPE_FIELDS/VALUES say how old shapes differ (checked against the renderers)."""

from pathlib import Path

import pytest

from simulator import spec
from simulator.fixture_check import check
from simulator.versions import ENDIVE, FIELDS, NEWEST, SHAPE_FIELDS, VALUES, shape_differences

from .test_versioned_fields import subscribe

ACACIA, DAHLIA = "2025-02-24.acacia", "2026-08-26.dahlia"
FIXTURES = Path(__file__).resolve().parents[2] / "simulator" / "trigger_fixtures"


def update(http, sub: dict, version: str, data: dict):
    return http("POST", f"/v1/subscriptions/{sub['id']}", data=data, headers={"Stripe-Version": version})


def test_billing_cycle_anchor_on_updates_is_a_string_before_endive_and_an_object_from_it(http, guide):
    _, sub = subscribe(http, guide, DAHLIA)
    assert update(http, sub, DAHLIA, {"billing_cycle_anchor": "unchanged"}).status_code == 200
    old_form = update(http, sub, DAHLIA, {"billing_cycle_anchor[type]": "unchanged"})
    assert old_form.status_code == 400 and old_form.json()["error"]["param"] == "billing_cycle_anchor"
    for version in (ENDIVE, NEWEST):
        refused = update(http, sub, version, {"billing_cycle_anchor": "unchanged"})
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "billing_cycle_anchor", version
        assert update(http, sub, version, {"billing_cycle_anchor[type]": "unchanged"}).status_code == 200
        wrong = update(http, sub, version, {"billing_cycle_anchor[type]": "later"})
        assert wrong.status_code == 400 and wrong.json()["error"]["param"] == "billing_cycle_anchor[type]"
        missing = update(http, sub, version, {"billing_cycle_anchor[timestamp]": "1"})
        assert missing.status_code == 400, missing.text


def fields_by_kind(value, into: dict[str, set]) -> dict[str, set]:
    """Every field name seen per `object` value, at any depth."""
    if isinstance(value, dict):
        if isinstance(value.get("object"), str):
            into.setdefault(value["object"], set()).update(value)
        for item in value.values():
            fields_by_kind(item, into)
    elif isinstance(value, list):
        for item in value:
            fields_by_kind(item, into)
    return into


def rendered(http, guide, version: str) -> dict[str, set]:
    _, sub = subscribe(http, guide, version)
    invoice = http("GET", f"/v1/invoices/{sub['latest_invoice']['id']}", headers={"Stripe-Version": version})
    return fields_by_kind([sub, invoice.json()], {})


def test_the_renderers_old_shapes_differ_from_the_spec_exactly_as_the_table_says(http, guide):
    old, new = rendered(http, guide, ACACIA), rendered(http, guide, DAHLIA)
    gates = (*FIELDS, *SHAPE_FIELDS)
    for kind in ("invoice", "line_item", "subscription", "subscription_item"):
        table_old = {g.name for g in gates if g.where == kind and g.present(ACACIA) and not g.present(DAHLIA)}
        table_new = {g.name for g in gates if g.where == kind and g.present(DAHLIA) and not g.present(ACACIA)}
        assert old[kind] - new[kind] == table_old, kind
        assert new[kind] - old[kind] == table_new, kind


def test_old_shapes_validate_at_their_version_and_only_there(http, guide):
    _, sub = subscribe(http, guide, ACACIA)
    invoice = sub["latest_invoice"]
    assert spec.validate_object("invoice", invoice, ACACIA) == []
    assert spec.validate_object("subscription", sub, ACACIA) == []
    assert spec.validate_object("invoice", invoice)  # the spec's own version: acacia's fields are unknown
    assert spec.validate_object("invoice", {**invoice, "bogus": 1}, ACACIA)  # still strict at acacia
    new = subscribe(http, guide, DAHLIA)[1]["latest_invoice"]
    assert spec.validate_object("invoice", new, ACACIA)  # a field acacia lacks is unknown there


def test_the_hosted_ui_mode_is_a_value_of_versions_before_dahlia():
    assert ("checkout.session", "ui_mode", "hosted") in shape_differences(ACACIA)[2]
    assert shape_differences(DAHLIA)[2] == ()
    assert all(value.removed for value in VALUES)


@pytest.mark.parametrize("name", ["invoice.created", "checkout.session.completed", "customer.subscription.created"])
def test_fixtures_check_at_an_account_pinned_to_acacia(name):
    result = check((FIXTURES / f"{name}.json").read_text(), name, source=name, api_version=ACACIA)
    assert result.ok, result.problem
