"""`simplex-stripe record`: every story against a fake on 127.0.0.1, keys refused, secrets never written."""

import json

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fidelity import cassette
from simulator.fidelity.scripts import SCRIPTS

from .conftest import KEY

pytestmark = pytest.mark.timeout(120)

# What each story's own steps must show, in order (the fake's basil fan-out as docs/fake-stripe.md lists it).
EXPECTED = {
    "first-purchase": {"subscribe through Checkout": ["checkout.session.completed", "customer.subscription.created",
                                                      "invoice.paid"]},
    "renewal": {"renew": ["customer.subscription.updated", "invoice.created", "invoice.paid"]},
    "plan-change": {"change plan": ["customer.subscription.updated", "invoiceitem.created"]},
    "cancellation": {"cancel at period end": ["customer.subscription.updated"],
                             "period ends": ["customer.subscription.deleted"]},
    "cancel-now": {"cancel now": ["customer.subscription.deleted"]},
    "failed-renewal": {"renewal fails": ["charge.failed", "invoice.payment_failed", "customer.subscription.updated"]},
    "one-time-purchase": {"buy once": ["checkout.session.completed", "charge.updated"]},
}


def test_every_story_is_recorded_with_its_events(recorded_cassette):
    assert cassette.names(recorded_cassette) == list(SCRIPTS)
    for story in recorded_cassette["stories"]:
        assert story["error"] is None
        steps = {step["name"]: step for step in story["steps"]}
        assert list(steps)[:3] == ["create test clock", "create catalogue", "create customer"]
        assert list(steps)[-1] == "clean up"
        for name, wanted in EXPECTED[story["name"]].items():
            types = iter(event["type"] for event in steps[name]["events"])
            assert all(t in types for t in wanted), (story["name"], name)  # in this order
        for step in story["steps"]:
            assert all(request["status"] == 200 for request in step["requests"]), step["name"]


def test_cassette_keeps_requests_ids_and_payments_through_the_api(recorded_cassette):
    story = cassette.story(recorded_cassette, "first-purchase")
    paying = next(step for step in story["steps"] if step["name"] == "subscribe through Checkout")
    paths = [f"{r['method']} {r['path'].split('/cs_')[0]}" for r in paying["requests"]]
    assert paths[:3] == ["POST /v1/checkout/sessions", "POST /v1/payment_methods", "POST /v1/payment_pages"]
    confirm = dict(paying["requests"][2]["params"])
    assert confirm["payment_method"].startswith("pm_") and confirm["expected_amount"] == "3123"
    session = paying["requests"][0]["response"]
    assert session["id"].startswith("cs_test_") and session["amount_total"] == 3123
    assert all(r["idempotency_key"] for r in paying["requests"] if r["method"] == "POST")
    clean = story["steps"][-1]["requests"]
    assert clean[0]["method"] == "DELETE" and "/test_clocks/" in clean[0]["path"]
    assert all(dict(r["params"]).get("active") == "false" for r in clean[1:])


def test_cassette_never_holds_the_key_or_a_secret(recorded):
    text = recorded.read_text()
    assert KEY not in text
    assert "sk_test_" not in text and "whsec_" not in text
    assert "_secret_" not in text  # payment intents' client secrets are scrubbed too


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_shipped_example_cassettes_hold_no_key_or_secret(name):
    from simulator.fidelity import examples

    text = examples.path(name).read_text()
    for secret in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_", "_secret_"):
        assert secret not in text, (name, secret)
    assert cassette.names(cassette.load(examples.path(name))) == [name]


def test_scrub_replaces_keys_webhook_secrets_and_client_secrets():
    data = {"secret": "whsec_abc", "note": "key sk_live_123 and rk_test_9", "client_secret": "pi_1_secret_2",
            "nested": [{"url": "https://x/?k=whsec_zz"}], "amount": 5}
    assert cassette.scrub(data) == {"secret": "<scrubbed>", "note": "key <scrubbed> and <scrubbed>",
                                    "client_secret": "<scrubbed>", "nested": [{"url": "https://x/?k=<scrubbed>"}],
                                    "amount": 5}


@pytest.mark.parametrize("key", ["sk_live_51Abc", "rk_live_51Abc"])
def test_record_refuses_live_keys_and_writes_nothing(tmp_path, key):
    out = tmp_path / "c.json"
    result = CliRunner().invoke(main, ["record", "all", "--api-key", key, "--api-base", "http://127.0.0.1:9",
                                       "--out", str(out)])
    assert result.exit_code == 2
    assert "refusing a live key" in result.output and len(result.output.strip().splitlines()) == 1
    assert key not in result.output and not out.exists()


@pytest.mark.parametrize("args, message", [
    (["nosuch", "--api-key", "sk_test_x"], "unknown story 'nosuch'"),
    (["all", "--api-key", "pk_test_x"], "not a test-mode secret key"),
    (["all", "--api-key", "sk_test_x", "--api-base", "ftp://x"], "not an http(s) URL"),
    (["all", "--api-key", "sk_test_x", "--out", "/nonexistent/dir/c.json"], "no such directory"),
])
def test_record_usage_problems_exit_2_with_one_line(tmp_path, args, message):
    out = [] if "--out" in args else ["--out", str(tmp_path / "c.json")]
    result = CliRunner().invoke(main, ["record", *args, *out], env={"STRIPE_API_KEY": ""})
    assert result.exit_code == 2 and message in result.output


def test_record_against_an_unreachable_api_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["record", "cancel-now", "--api-key", "sk_test_x", "--api-base",
                                       "http://127.0.0.1:9", "--out", str(tmp_path / "c.json")])
    assert result.exit_code == 2 and "127.0.0.1:9" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cassette_is_json_in_the_documented_format(recorded):
    data = json.loads(recorded.read_text())
    assert data["format"] == "simplex-stripe-cassette" and data["version"] == 1
    assert data["api_version"] == "2026-10-28.endive" and data["sdk"].startswith("stripe-python 16.")
    step = data["stories"][0]["steps"][0]
    assert set(step) == {"name", "wall", "requests", "events"}
    assert set(step["requests"][0]) == {"method", "path", "params", "idempotency_key", "status", "request_id",
                                        "response"}


def test_a_failing_step_is_named_the_rest_skipped_and_clean_up_still_runs(tmp_path, monkeypatch):
    from simulator.fake_stripe import FakeStripe
    from simulator.api import payment_pages
    from simulator.engine.errors import CardDeclined

    def refuse(call):
        raise CardDeclined("Your card was declined.", "generic_decline")

    monkeypatch.setattr(payment_pages, "ROUTES", [("POST", "/v1/payment_pages/<id>/confirm", refuse)])
    out = tmp_path / "c.json"
    fake = FakeStripe(seed="empty")
    with fake.serving(host="127.0.0.1", port=0) as base:
        result = CliRunner().invoke(main, ["record", "renewal", "--api-key", KEY, "--api-base", base, "--out",
                                           str(out), "--settle", "0"])
        assert result.exit_code == 1, result.output
        assert "FAILED at subscribe through Checkout: Your card was declined." in result.output
        story = cassette.load(out)["stories"][0]
        assert [step["name"] for step in story["steps"]] == ["create test clock", "create catalogue",
                                                             "create customer", "subscribe through Checkout",
                                                             "clean up"]
        assert story["steps"][3]["requests"][2]["status"] == 402
        assert "test_helpers.test_clock.deleted" in [e["type"] for e in story["steps"][-1]["events"]]
        archived = [p for p in fake.state.store.all("product")]
        assert archived and not any(p["active"] for p in archived)


def test_a_webhook_secret_in_a_recorded_response_never_reaches_the_file(tmp_path):
    from simulator.fake_stripe import FakeStripe
    from simulator.fidelity.record import Recorder

    fake = FakeStripe(seed="empty")
    with fake.serving(host="127.0.0.1", port=0) as base:
        recorder = Recorder(KEY, base)
        endpoint = recorder.client.v1.webhook_endpoints.create({"url": "https://example.com/hook",
                                                                 "enabled_events": ["*"]})
        taken = recorder.http.take()
    assert endpoint.secret.startswith("whsec_") and taken[0]["response"]["secret"] == endpoint.secret
    tape = cassette.new(api_base=base, api_version="2026-10-28.endive", sdk="x", recorded_at="now")
    tape["stories"].append({"name": "s", "steps": [{"name": "one", "wall": [0, 1], "requests": taken,
                                                    "events": []}]})
    cassette.save(tape, tmp_path / "c.json")
    text = (tmp_path / "c.json").read_text()
    assert endpoint.secret not in text and "whsec_" not in text and KEY not in text
    assert cassette.load(tmp_path / "c.json")["stories"][0]["steps"][0]["requests"][0]["response"]["secret"] == \
        "<scrubbed>"
