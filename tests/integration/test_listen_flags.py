"""`simplex-stripe listen`'s Stripe CLI flags: --headers, --format JSON, --forward-connect-to,
--use-configured-webhooks, --latest, --skip-verify, --events defaulting to `*`; `events resend --account`."""

import json
import os
import subprocess
import sys
import threading

import pytest
import stripe
from click.testing import CliRunner
from werkzeug.wrappers import Request, Response

from simplex_stripe.cli import main
from simplex_stripe.cli.listen import Relay
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving
from simulator.delivery.signing import Signer
from simulator.versions import CURRENT
from tests.integration.test_listen import Lines

KEY = "sk_test_listen_flags"
SECRET = "whsec_listen_flags_0123456789"


class Recorder:
    """A WSGI app that keeps each request's path, headers and body and answers 200."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict, bytes]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.seen.append((request.path, dict(request.headers), request.get_data()))
        return Response('{"outcome": "applied"}', content_type="application/json")(environ, start_response)


def delivery(relay: Relay, event: dict) -> tuple[int, bytes]:
    body = json.dumps(event).encode()
    return relay.relay(body, Signer([relay.endpoint_secret]).sign(body)["Stripe-Signature"])


def test_the_relay_adds_headers_routes_connect_events_and_follows_configured_paths():
    recorder = Recorder()
    lines: list[str] = []
    with serving(recorder) as base:
        relay = Relay(base + "/hook", SECRET, echo=lines.append, headers={"X-Env": "dev"},
                      connect_to=base + "/connect", verify=False)
        relay.endpoint_secret = "whsec_endpoint_0123456789"
        assert delivery(relay, {"id": "evt_1", "type": "invoice.paid"})[0] == 200
        assert delivery(relay, {"id": "evt_2", "type": "invoice.paid", "account": "acct_1Other"})[0] == 200
        relay.routes = [("/a", ["invoice.paid"]), ("/b", ["*"]), ("/c", ["customer.created"])]
        assert delivery(relay, {"id": "evt_3", "type": "invoice.paid"})[0] == 200
    assert [path for path, _, _ in recorder.seen] == ["/hook", "/connect", "/hook/a", "/hook/b"]
    assert all(headers["X-Env"] == "dev" and headers["Stripe-Signature"] for _, headers, _ in recorder.seen)
    assert stripe.Webhook.construct_event(recorder.seen[0][2], recorder.seen[0][1]["Stripe-Signature"], SECRET)
    assert relay.session.verify is False
    assert lines[0].endswith("--> invoice.paid [evt_1]")


def test_format_json_prints_each_event_as_one_json_line():
    recorder = Recorder()
    lines: list[str] = []
    with serving(recorder) as base:
        relay = Relay(base + "/hook", SECRET, echo=lines.append, as_json=True)
        relay.endpoint_secret = "whsec_endpoint_0123456789"
        delivery(relay, {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}})
    assert [json.loads(line)["id"] for line in lines] == ["evt_1"]


@pytest.mark.parametrize("args,message", [
    pytest.param(["--headers", "no-colon"], "is not Key:Value", id="bad-header"),
    pytest.param(["--format", "yaml"], "Invalid value for '--format'", id="bad-format"),
    pytest.param(["--forward-connect-to", "ftp://x"], "ftp://x", id="bad-connect-url"),
])
def test_bad_listen_flags_exit_2_with_one_line(args, message, tmp_path):
    result = CliRunner().invoke(main, ["listen", "--forward-to", "http://127.0.0.1:9/hook", *args],
                                env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.slow
def test_listen_subscribes_to_everything_at_the_latest_version_and_uses_configured_paths(tmp_path):
    fake = FakeStripe(seed="empty")
    recorder = Recorder()
    with fake.serving() as base, serving(recorder) as platform:
        client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
        client.v1.webhook_endpoints.create({"url": "https://meeting.example.com/api/hooks",
                                            "enabled_events": ["customer.created"]})
        process = subprocess.Popen(
            [sys.executable, "-m", "simplex_stripe", "listen", "--forward-to", platform, "--api-base", base,
             "--secret", SECRET, "--latest", "--use-configured-webhooks", "-H", "X-Team: billing",
             "--format", "JSON"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "STRIPE_API_KEY": KEY, "XDG_CONFIG_HOME": str(tmp_path)})
        try:
            errors = Lines(process.stderr)
            errors.wait_for("Ready!", CURRENT)
            mine = next(e for e in client.v1.webhook_endpoints.list().data if e.metadata.to_dict().get("simplex_stripe"))
            assert list(mine.enabled_events) == ["*"] and mine.api_version == CURRENT
            customer = client.v1.customers.create({"email": "flags@example.com"})
            printed = json.loads(Lines(process.stdout).wait_for('"customer.created"'))
            assert printed["data"]["object"]["id"] == customer.id
            assert fake.wait_until(lambda: len(recorder.seen) == 1, timeout=10)
            path, headers, _ = recorder.seen[0]
            assert path == "/api/hooks" and headers["X-Team"] == "billing"
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()
            process.stderr.close()


def test_resend_with_account_sends_stripe_account(tmp_path):
    fake = FakeStripe(seed="empty")
    with fake.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
        recorder = Recorder()
        with serving(recorder) as hook:
            client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": ["customer.created"]})
            client.v1.customers.create({"email": "resend@example.com"})
            event = client.v1.events.list().data[0]
            args = ["events", "resend", event.id, "--api-base", base, "--api-key", KEY]
            own = CliRunner().invoke(main, [*args, "--account", client.v1.accounts.retrieve_current().id])
            other = CliRunner().invoke(main, [*args, "--account", "acct_1SomeoneElse000"])
            fake.wait_for_deliveries(10)
    assert own.exit_code == 0 and f"resent customer.created [{event.id}]" in own.output, own.output
    assert other.exit_code == 2 and "403" in other.output, other.output
