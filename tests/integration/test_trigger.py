"""`simplex-stripe trigger`: each supported event made by the fake's engine from API requests, overrides included,
delivered to the reference platform and to a verifying receiver on 127.0.0.1."""

import json

import pytest
import stripe
from click.testing import CliRunner

from platform_adapter import create_app
from platform_adapter.config import Settings
from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.triggers import trigger_names
from tests.platform.support import Probe

SECRET = "whsec_trigger_tests_0123456789"
TOKEN = "trigger-probe-token"
KEY = "sk_test_trigger_suite"
REQUIRED = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
            "customer.subscription.deleted", "customer.subscription.created", "invoice.payment_failed",
            "invoice.finalized", "payment_intent.succeeded", "checkout.session.expired",
            "checkout.session.async_payment_succeeded")


def invoke(*args: str):
    return CliRunner().invoke(main, ["trigger", *args])


@pytest.fixture
def fake():
    instance = FakeStripe(seed="guide")
    with instance.serving() as base:
        yield instance, base


def test_every_required_event_type_has_a_trigger():
    assert set(REQUIRED) <= set(trigger_names())
    listed = invoke("--list")
    assert listed.exit_code == 0 and listed.output.split() == trigger_names()


@pytest.mark.parametrize("event_type", REQUIRED)
def test_each_trigger_makes_its_event_on_a_running_fake_which_delivers_it(fake, event_type):
    instance, base = fake
    receiver = VerifyingReceiver(["whsec_placeholder"])
    client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
    with serving(receiver) as hook:
        endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": [event_type]})
        receiver.secrets[:] = [endpoint.secret]
        result = invoke(event_type, "--api-base", base, "--api-key", KEY, "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["fired"] is True and event_type in [e["type"] for e in report["events"]]
        assert instance.wait_for_deliveries(15)
    assert [r.type for r in receiver.received] == [event_type] and receiver.received[0].verified


def test_in_process_trigger_delivers_every_event_it_made_to_the_target_with_a_fresh_seed():
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as hook:
        first = invoke("invoice.payment_failed", "--target", hook + "/hook", "--secret", SECRET, "--json")
        second = invoke("invoice.payment_failed", "--target", hook + "/hook", "--secret", SECRET, "--json")
    assert first.exit_code == second.exit_code == 0, first.output
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    types = [e["type"] for e in one["events"]]
    assert "invoice.payment_failed" in types and "customer.subscription.created" in types
    assert [r.event_id for r in receiver.received] == [e["id"] for e in one["events"] + two["events"]]
    assert all(r.verified for r in receiver.received)
    assert not {e["id"] for e in one["events"]} & {e["id"] for e in two["events"]}
    assert "seed " in first.stderr


@pytest.fixture
def platform(tmp_path, fake):
    settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, probe_token=TOKEN, stripe_api_base=fake[1],
                        data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    with serving(app) as base:
        yield Probe(base, token=TOKEN)
    app.extensions["platform_adapter"].store.close()


def test_an_override_sends_the_purchase_to_another_account_on_the_reference_platform(fake, platform):
    _, base = fake
    ref = platform.create_account("seven@example.com", id="acct-7")
    result = invoke("checkout.session.completed", "--override", "checkout_session:metadata.accountRef=acct-7",
                    "--target", platform.webhook_url, "--secret", SECRET, "--api-base", base, "--api-key", KEY)
    assert result.exit_code == 0, result.output
    assert "Running fixture for: checkout_session  POST /v1/checkout/sessions → cs_test_" in result.output
    assert "applied 2 · duplicate 0 · rejected 0" in result.output
    account = platform.account(ref)
    assert ref == "acct-7" and account["active"] is True and account["accountType"] == "professional"
    # --add and --remove edit the same requests: a subscription without the reference cannot be placed
    result = invoke("customer.subscription.created", "--remove", "subscription:metadata.accountRef",
                    "--add", "customer:name=Jane Roe", "--target", platform.webhook_url, "--secret", SECRET,
                    "--api-base", base, "--api-key", KEY, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["fired"] is True


@pytest.mark.parametrize("args,code,message", [
    pytest.param(["issuing_card.created"], 2, "issuing_card.created is a Stripe CLI trigger of Issuing, which the fake "
                 "Stripe does not simulate (it simulates Billing and Payments)", id="outside-billing"),
    pytest.param(["invoice.bogus"], 2, "the event 'invoice.bogus' is not one Stripe CLI triggers, nor a fixture file",
                 id="unknown-event"),
    pytest.param(["invoice.paid", "--override", "nobody:x=1"], 2, "no fixture is named 'nobody'", id="bad-override"),
    pytest.param(["invoice.paid", "--target", "http://127.0.0.1:9/x"], 2, "needs --secret", id="no-secret"),
    pytest.param([], 2, "name an event to trigger", id="no-event"),
])
def test_usage_errors_exit_2_with_one_line(args, code, message):
    result = invoke(*args)
    assert result.exit_code == code and message in result.output, result.output


def test_a_billing_and_payments_name_without_a_fixture_exits_2_as_not_simulated_yet(monkeypatch, tmp_path):
    # Every Billing and Payments name has a fixture now, so the "yet" answer is shown with the fixtures hidden.
    monkeypatch.setattr("simulator.triggers.FIXTURES", tmp_path)
    result = invoke("payment_intent.partially_funded")
    assert result.exit_code == 2, result.output
    assert ("payment_intent.partially_funded is a Stripe CLI trigger of PaymentIntents, which the fake Stripe does "
            "not simulate yet") in result.output


def test_a_request_the_engine_refuses_exits_1_naming_the_step(fake):
    _, base = fake
    result = invoke("invoice.paid", "--override", "subscription:customer=cus_missing", "--api-base", base,
                    "--api-key", KEY)
    assert result.exit_code == 1 and "trigger step 'subscription': POST /v1/subscriptions failed" in result.output
    assert "cus_missing" in result.output


def test_a_trigger_on_a_running_fake_also_sends_its_thin_events(fake):
    """A thin event destination on the fake gets `v1.invoice.paid` from `trigger invoice.paid`, verifiable with the
    SDK's parse_event_notification and pointing at the invoice the trigger made."""
    import queue

    from werkzeug.wrappers import Request, Response

    instance, base = fake
    got: queue.Queue = queue.Queue()

    def app(environ, start_response):
        request = Request(environ)
        got.put((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response("{}", content_type="application/json")(environ, start_response)

    client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
    with serving(app) as hook:
        dest = client.v2.core.event_destinations.create({
            "name": "thin", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": ["v1.invoice.paid"],
            "webhook_endpoint": {"url": hook + "/thin"}, "include": ["webhook_endpoint.signing_secret"]})
        result = invoke("invoice.paid", "--api-base", base, "--api-key", KEY, "--json")
        assert result.exit_code == 0, result.output
        body, signature = got.get(timeout=15)
    notification = client.parse_event_notification(body, signature, dest.webhook_endpoint.signing_secret)
    assert notification.type == "v1.invoice.paid"
    invoice = notification.fetch_related_object()
    made = [e for e in json.loads(result.stdout)["events"] if e["type"] == "invoice.paid"]
    assert invoice.status == "paid" and made
