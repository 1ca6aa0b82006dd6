"""`simplex-stripe fixtures` runs the project's own Stripe CLI fixture files against the fake Stripe on 127.0.0.1."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "fixtures"
KEY = "sk_test_fixture_suite"


@pytest.fixture
def fake():
    """The fake, with a verifying receiver subscribed to every event."""
    instance = FakeStripe(seed="empty")
    receiver = VerifyingReceiver(["whsec_placeholder"])
    with instance.serving() as base, serving(receiver) as hook:
        client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
        endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": ["*"]})
        receiver.secrets[:] = [endpoint.secret]
        yield instance, base, client, receiver


def delivered(instance, receiver) -> list[str]:
    assert instance.wait_for_deliveries(15)
    assert all(r.verified for r in receiver.received)
    return [r.type for r in receiver.received]


def test_the_checkout_example_buys_a_subscription_for_the_account_in_the_environment(fake):
    instance, base, client, receiver = fake
    out = subprocess.run([sys.executable, "-m", "simplex_stripe", "fixtures",
                          str(EXAMPLES / "guide-checkout-subscription.json"), "--api-base", base, "--json"],
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "STRIPE_API_KEY": KEY, "ACCOUNT_REF": "acct-fixture-9"})
    assert out.returncode == 0, out.stderr
    responses = json.loads(out.stdout)
    assert responses["checkout_session"]["client_reference_id"] == "acct-fixture-9"
    assert responses["payment"]["status"] == "complete"
    assert responses["subscription"]["metadata"] == {"accountRef": "acct-fixture-9"}
    types = delivered(instance, receiver)
    for wanted in ("checkout.session.completed", "customer.subscription.created", "invoice.paid"):
        assert wanted in types


def test_the_plan_change_example_with_an_override_changes_and_cancels(fake):
    instance, base, client, receiver = fake
    result = CliRunner().invoke(main, ["fixtures", str(EXAMPLES / "guide-plan-change-cancel.json"),
                                       "--api-base", base, "--api-key", KEY,
                                       "--override", "subscription:metadata.accountRef=acct-7",
                                       "--add", "customer:name=Jane Roe", "--remove", "plan_change:proration_behavior"])
    assert result.exit_code == 0, result.output
    assert "Running fixture for: cancel_now  DELETE /v1/subscriptions/sub_" in result.output
    subscription = client.v1.subscriptions.list({"status": "all"}).data[0]
    assert subscription.status == "canceled" and subscription.metadata.to_dict() == {"accountRef": "acct-7"}
    assert client.v1.customers.list().data[0].name == "Jane Roe"
    types = delivered(instance, receiver)
    assert types.count("customer.subscription.updated") >= 2 and "customer.subscription.deleted" in types


def test_a_refused_request_exits_1_naming_the_fixture_and_a_bad_file_exits_2(fake, tmp_path):
    _, base, _, _ = fake
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"_meta": {"template_version": 0}, "fixtures": [
        {"name": "price", "path": "/v1/prices", "method": "post", "params": {"currency": "usd", "unit_amount": 5,
                                                                            "product": "prod_missing"}}]}))
    result = CliRunner().invoke(main, ["fixtures", str(bad), "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 1 and "fixture 'price': POST /v1/prices answered 400" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"fixtures": [{"name": "a", "path": "/v1/customers/${b:id}", "method": "get"}]}))
    result = CliRunner().invoke(main, ["fixtures", str(broken), "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 2 and "${b:id} refers to a fixture that has not run" in result.output
    result = CliRunner().invoke(main, ["fixtures", str(tmp_path / "none.json"), "--api-base", base])
    assert result.exit_code == 2 and "cannot read" in result.output


@pytest.mark.parametrize("args", [
    pytest.param(["fixtures", str(EXAMPLES / "guide-plan-change-cancel.json")], id="fixtures"),
    pytest.param(["trigger", "invoice.paid"], id="trigger"),
    pytest.param(["listen", "--forward-to", "http://127.0.0.1:9/hook"], id="listen"),
    pytest.param(["events", "resend", "evt_1"], id="events-resend"),
])
@pytest.mark.parametrize("key", ["sk_live_51Secret0123456789", "rk_live_51Secret0123456789"])
def test_the_stripe_cli_commands_refuse_a_live_key_before_any_request(args, key, tmp_path):
    # The API base names nothing that answers: a refusal after a request would say "cannot reach" instead.
    result = CliRunner().invoke(main, [*args, "--api-base", "http://127.0.0.1:9"],
                                env={"STRIPE_API_KEY": key, "XDG_CONFIG_HOME": str(tmp_path)})
    assert result.exit_code == 2 and "a live-mode key is refused" in result.output, result.output
    assert key not in result.output


def test_a_dotenv_file_skips_the_account_header_the_version_and_the_env_block(fake, tmp_path, monkeypatch):
    instance, base, client, receiver = fake
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CUSTOMER_EMAIL", raising=False)
    (tmp_path / ".env").write_text("CUSTOMER_EMAIL=dotenv@example.com\nLAST_CUSTOMER=none\n")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"_meta": {"template_version": 0}, "env": {"LAST_CUSTOMER": "${customer:id}"},
                                "fixtures": [
        {"name": "customer", "path": "/v1/customers", "method": "post",
         "params": {"email": "${.env:CUSTOMER_EMAIL}", "metadata": {"run": "${generate-uuid}"}}},
        {"name": "customer", "path": "/v1/customers/${customer:id}", "method": "post",
         "params": {"name": "Second"}, "idempotency_key": "${generate-uuid}"},
        {"name": "noise", "path": "/v1/products", "method": "post", "params": {"name": "never"}}]}))
    args = ["fixtures", str(plan), "--api-base", base, "--api-key", KEY]
    result = CliRunner().invoke(main, [*args, "--skip", "noise", "--stripe-account", "acct_1SimplexMeeting0",
                                       "--api-version", "2025-03-31.basil"])
    assert result.exit_code == 0, result.output
    assert "Skipping fixture for: noise" in result.output
    customer = client.v1.customers.list().data[0]
    assert customer.email == "dotenv@example.com" and customer.name == "Second"
    assert client.v1.products.list().data == []
    assert f'LAST_CUSTOMER="{customer.id}"' in (tmp_path / ".env").read_text()
    assert set(delivered(instance, receiver)) == {"customer.created", "customer.updated"}
    other = CliRunner().invoke(main, [*args, "--stripe-account", "acct_1SomeoneElse000"])
    assert other.exit_code == 1 and "answered 403" in other.output, other.output
    unknown = CliRunner().invoke(main, [*args, "--skip", "nobody"])
    assert unknown.exit_code == 2 and "--skip nobody: no fixture is named 'nobody'" in unknown.output
