"""Every Stripe CLI trigger name: the project's fixture for it runs on a fresh fake and makes its event (every
delivery verified with the SDK, every event and response valid against the spec), or `trigger` exits 2 in one
line naming its family. Also --raw, --edit, a fixture path as EVENT, --skip, --stripe-account, and a trigger's
report and clock staying its own."""

import json
import stat
from pathlib import Path

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.fixture_check import check
from simulator.trigger_names import ALIASES, CLI_EVENTS, OWN_EVENTS, all_names, event_of, family
from simulator.triggers import FIXTURES, own_events, trigger_names

KEY = "sk_test_trigger_names"
SHIPPED = sorted(path.stem for path in FIXTURES.glob("*.json"))


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(main, ["trigger", *args], **kwargs)


@pytest.fixture(scope="module")
def fake():
    instance = FakeStripe(seed="empty")
    with instance.serving() as base:
        yield instance, base


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_fixture_makes_its_event_on_a_fresh_fake_with_every_delivery_verified(name):
    assert name in CLI_EVENTS or name in OWN_EVENTS, "a shipped fixture is named after a trigger"
    result = check((FIXTURES / f"{name}.json").read_text(encoding="utf-8"), event_of(name), source=name)
    assert result.ok, result.problem
    assert event_of(name) in result.events and result.deliveries == len(result.events)


def test_the_check_fails_a_fixture_that_does_not_make_its_event_or_is_refused():
    text = (FIXTURES / "customer.created.json").read_text(encoding="utf-8")
    assert check(text, "customer.deleted").problem.startswith("no customer.deleted event")
    refused = json.dumps({"fixtures": [{"name": "p", "path": "/v1/prices", "method": "post",
                                        "params": {"currency": "usd", "unit_amount": 5, "product": "prod_none"}}]})
    assert "answered 400" in check(refused, "price.created").problem


@pytest.mark.parametrize("name", all_names())
def test_every_stripe_cli_name_either_triggers_its_event_or_exits_2_naming_its_family(fake, name):
    _, base = fake
    result = invoke(name, "--api-base", base, "--api-key", KEY, "--json")
    if name in trigger_names():
        assert result.exit_code == 0, result.output
        assert event_of(name) in [e["type"] for e in json.loads(result.stdout)["events"]]
    else:
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1 and f"trigger of {family(name)}," in result.output


def test_aliases_run_their_fixture_and_the_list_names_only_runnable_triggers():
    assert "invoice.payment_succeeded" in trigger_names() and ALIASES["invoice.payment_succeeded"] in SHIPPED
    assert "customer_cash_balance_transaction.created" in trigger_names()  # runs cash_balance.funds_available's
    assert len(all_names()) == 123 and set(trigger_names()) <= set(all_names()) | set(OWN_EVENTS)


@pytest.mark.parametrize("name", OWN_EVENTS)
def test_the_projects_own_triggers_run_like_stripe_clis(fake, name):
    _, base = fake
    result = invoke(name, "--api-base", base, "--api-key", KEY, "--json")
    assert result.exit_code == 0, result.output
    assert name in [e["type"] for e in json.loads(result.stdout)["events"]] and name in trigger_names()


def test_a_fixture_path_runs_as_event_and_raw_json_runs_too(fake, tmp_path):
    _, base = fake
    path = tmp_path / "product.created.json"
    path.write_text((FIXTURES / "product.created.json").read_text())
    made = invoke(str(path), "--api-base", base, "--api-key", KEY, "--json")
    assert made.exit_code == 0 and [e["type"] for e in json.loads(made.stdout)["events"]] == ["product.created"]
    raw = json.dumps({"fixtures": [{"name": "c", "path": "/v1/customers", "method": "post",
                                    "params": {"email": "raw@example.com"}}]})
    ran = invoke("--raw", raw, "--api-base", base, "--api-key", KEY, "--json")
    assert ran.exit_code == 0 and [e["type"] for e in json.loads(ran.stdout)["events"]] == ["customer.created"]


def test_edit_runs_what_the_editor_saved(fake, tmp_path):
    _, base = fake
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/Trigger product/Edited in the editor/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    result = invoke("product.created", "--edit", "--api-base", base, "--api-key", KEY,
                    env={"EDITOR": str(editor), "VISUAL": str(editor)})
    assert result.exit_code == 0, result.output
    client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
    assert any(p.name == "Edited in the editor" for p in client.v1.products.list({"limit": 100}).data)


def test_skip_and_stripe_account(fake):
    _, base = fake
    skipped = invoke("customer.updated", "--skip", "customer_updated", "--api-base", base, "--api-key", KEY)
    assert skipped.exit_code == 1 and "Skipping fixture for: customer_updated" in skipped.output
    assert "made no customer.updated event" in skipped.output
    own = invoke("customer.created", "--stripe-account", "acct_1SimplexMeeting0", "--api-base", base,
                 "--api-key", KEY)
    assert own.exit_code == 0, own.output
    other = invoke("customer.created", "--stripe-account", "acct_1SomeoneElse000", "--api-base", base,
                   "--api-key", KEY)
    assert other.exit_code == 1 and "does not have access to account 'acct_1SomeoneElse000'" in other.output


def test_a_trigger_moves_no_shared_clock(fake):
    instance, base = fake
    before = instance.now
    result = invoke("checkout.session.async_payment_succeeded", "--api-base", base, "--api-key", KEY, "--json")
    assert result.exit_code == 0, result.output
    # The module's fake runs on the wall clock, so a second may tick meanwhile; the trigger's three days may not.
    assert instance.now - before < 60


def test_the_report_keeps_only_events_about_the_triggers_own_objects():
    def event(kind, obj):
        return {"id": f"evt_{obj['id']}", "type": kind, "data": {"object": obj}}
    from simulator.fixtures import Fixture, Step
    step = Step(Fixture("session", "/x", "post"), "/x", {}, {"id": "cs_1", "payment_intent": "pi_1"})
    events = [event("customer.created", {"id": "cus_other"}),
              event("payment_intent.created", {"id": "pi_1", "customer": "cus_1"}),
              event("customer.created", {"id": "cus_1"}),
              event("charge.succeeded", {"id": "ch_1", "payment_intent": "pi_1"}),
              event("invoice.paid", {"id": "in_other", "customer": "cus_other"})]
    assert [e["id"] for e in own_events([step], events)] == ["evt_pi_1", "evt_cus_1", "evt_ch_1"]
