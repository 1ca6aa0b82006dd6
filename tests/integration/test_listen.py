"""`simplex-stripe listen` between the fake Stripe and the reference platform, and `events resend`, on 127.0.0.1."""

import os
import queue
import subprocess
import sys
import threading
import time

import pytest
import requests
import stripe
from click.testing import CliRunner

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.webhooks import WEBHOOK_PATH
from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving
from tests.platform.support import Probe
from tests.support.sim import sim_auth

SECRET = "whsec_listen_tests_0123456789"
TOKEN = "listen-probe-token"
KEY = "sk_test_listen_suite"
GUIDE_EVENTS = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
                "customer.subscription.deleted")


class Lines:
    """A process's stdout lines, read on a thread so the test can wait for one."""

    def __init__(self, stream) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, *needles: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.seen:
                if all(n in line for n in needles):
                    return line
            try:
                line = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
        pytest.fail(f"no line with {needles} in {self.seen}")


@pytest.fixture
def fake():
    instance = FakeStripe(seed="guide")
    with instance.serving() as base:
        yield instance, base, stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)


@pytest.fixture
def platform(tmp_path, fake):
    settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, probe_token=TOKEN,
                        stripe_api_base=fake[1], data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    with serving(app) as base:
        yield Probe(base, token=TOKEN)
    app.extensions["platform_adapter"].store.close()


@pytest.fixture
def listening(fake, platform, tmp_path):
    """`simplex-stripe listen` as a user runs it, forwarding to the platform; stopped with SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simplex_stripe", "listen", "--forward-to", platform.webhook_url,
         "--api-base", fake[1], "--secret", SECRET, "--events", ",".join(GUIDE_EVENTS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "STRIPE_API_KEY": KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    lines = Lines(process.stdout)
    try:
        yield process, lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        finally:
            process.stderr.close()


def buy(client: stripe.StripeClient, base: str, account: str) -> str:
    """A subscription Checkout for `account`, paid on the fake's hosted page helper; returns the session id."""
    price = next(p for p in client.v1.prices.list({"limit": 100}).data if p.lookup_key == "professional_1m_recurring")
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "line_items": [{"price": price.id, "quantity": 1}],
        "success_url": "https://meeting.example.com/ok", "client_reference_id": account,
        "metadata": {"accountRef": account}, "subscription_data": {"metadata": {"accountRef": account}}})
    answer = requests.post(f"{base}/_sim/checkout/sessions/{session.id}/complete", headers=sim_auth(KEY), timeout=10)
    assert answer.status_code == 200, answer.text
    return session.id


def test_listen_forwards_the_fakes_deliveries_to_the_platform_and_resend_redelivers(fake, platform, listening):
    instance, base, client = fake
    process, lines = listening
    ready = lines.wait_for("Ready!")
    assert f"Your webhook signing secret is {SECRET} (^C to quit)" in ready and "[2026-10-28.endive]" in ready
    endpoint = next(e for e in client.v1.webhook_endpoints.list().data
                    if e.metadata.to_dict().get("simplex_stripe") == "listen")
    assert sorted(endpoint.enabled_events) == sorted(GUIDE_EVENTS)
    assert lines.wait_for("> Webhook endpoint we_") == \
        f"> Webhook endpoint {endpoint.id} forwards to {platform.webhook_url}"
    account = platform.create_account("listen@example.com")
    buy(client, base, account)
    sent = lines.wait_for("--> checkout.session.completed [evt_")
    event_id = sent.split("[")[1].rstrip("]")
    lines.wait_for(f"<--  [200] POST {platform.webhook_url} [{event_id}] applied")
    lines.wait_for("--> invoice.paid [evt_")
    assert instance.wait_until(lambda: platform.account(account)["active"], timeout=10), platform.account(account)
    assert not any("customer.created" in line for line in lines.seen)  # not subscribed

    result = CliRunner().invoke(main, ["events", "resend", event_id, "--webhook-endpoint", endpoint.id,
                                       "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 0, result.output
    assert f"resent checkout.session.completed [{event_id}]" in result.output
    lines.wait_for(f"<--  [200] POST {platform.webhook_url} [{event_id}] duplicate")
    assert instance.wait_until(lambda: len([d for d in instance.deliveries if d["event"] == event_id]) == 2)
    assert all(d["status"] == 200 for d in instance.deliveries if d["event"] == event_id)

    process.terminate()
    assert process.wait(timeout=10) == 0
    assert endpoint.id not in [e.id for e in client.v1.webhook_endpoints.list().data]


def test_listen_without_a_fake_or_url_exits_2_with_one_line(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = CliRunner().invoke(main, ["listen", "--forward-to", "http://127.0.0.1:8000" + WEBHOOK_PATH,
                                       "--api-base", "http://127.0.0.1:9"], env=env)
    assert result.exit_code == 2 and "cannot reach the Stripe API at http://127.0.0.1:9" in result.output
    assert CliRunner().invoke(main, ["listen"], env=env).exit_code == 2
    first = CliRunner().invoke(main, ["listen", "--print-secret"], env=env)
    again = CliRunner().invoke(main, ["listen", "--print-secret"], env=env)
    assert first.output == again.output and first.output.startswith("whsec_")


def test_resend_of_an_unknown_event_exits_2(fake):
    _, base, _ = fake
    result = CliRunner().invoke(main, ["events", "resend", "evt_missing", "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 2 and "404" in result.output and "evt_missing" in result.output


def test_a_refusal_line_names_the_platforms_error_code_and_reason(platform):
    from simplex_stripe.cli.listen import Relay
    from simulator.delivery.signing import Signer
    lines: list[str] = []
    relay = Relay(platform.webhook_url, "whsec_not_the_platforms_secret_0123", echo=lines.append)
    relay.endpoint_secret = "whsec_endpoint_secret_0123456789"
    body = b'{"id": "evt_1listenRefused000000000", "object": "event", "type": "invoice.paid"}'
    status, _ = relay.relay(body, Signer([relay.endpoint_secret]).sign(body)["Stripe-Signature"])
    assert status == 400
    assert lines[0].endswith("--> invoice.paid [evt_1listenRefused000000000]")
    assert lines[1].endswith(f"<--  [400] POST {platform.webhook_url} [evt_1listenRefused000000000] "
                             "signature_verification_failed (signature_mismatch)"), lines
    # a delivery not signed with the endpoint's secret is not forwarded at all
    assert relay.relay(body, Signer(["whsec_someone_else_000"]).sign(body)["Stripe-Signature"])[0] == 400
    assert len(lines) == 2


@pytest.mark.slow  # runs `simplex-stripe listen` as a subprocess
def test_listen_forwards_thin_events_signed_with_the_listen_secret(fake, tmp_path):
    """--forward-thin-to: the fake's thin events reach the URL re-signed; the SDK verifies them and fetches."""
    from werkzeug.wrappers import Request, Response

    instance, base, client = fake
    got: queue.Queue = queue.Queue()

    def app(environ, start_response):
        request = Request(environ)
        got.put((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response("{}", content_type="application/json")(environ, start_response)

    with serving(app) as target:
        process = subprocess.Popen(
            [sys.executable, "-m", "simplex_stripe", "listen", "--forward-thin-to", target + "/thin",
             "--thin-events", "v1.customer.created", "--api-base", base, "--secret", SECRET],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "STRIPE_API_KEY": KEY, "XDG_CONFIG_HOME": str(tmp_path / "config")})
        lines = Lines(process.stdout)
        try:
            lines.wait_for("> Ready!")
            customer = client.v1.customers.create({"email": "thin-listen@example.com"})
            body, signature = got.get(timeout=20)
            notification = client.parse_event_notification(body, signature, SECRET)
            assert notification.type == "v1.customer.created"
            assert notification.fetch_related_object().id == customer.id
            lines.wait_for("--> v1.customer.created")
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()
    # listen removed its destination on the way out
    assert [d for d in client.v2.core.event_destinations.list().data if d.id.startswith("ed_")] == []


def test_resend_to_no_subscribed_endpoint_says_so_and_exits_1(fake):
    instance, base, _ = fake
    client = stripe.StripeClient(KEY, base_addresses={"api": base})
    product = client.v1.products.create({"name": "nobody listens"})
    event_id = next(e.id for e in client.v1.events.list({"type": "product.created"}).data
                    if e.data.object.id == product.id)
    result = CliRunner().invoke(main, ["events", "resend", event_id, "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 1 and "no enabled webhook endpoint is subscribed" in result.output, result.output
    assert "resent" not in result.output.replace("nothing was resent", "")
    hook = client.v1.webhook_endpoints.create({"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    result = CliRunner().invoke(main, ["events", "resend", event_id, "--api-base", base, "--api-key", KEY])
    assert result.exit_code == 0 and f"resent product.created [{event_id}] to {hook.id}" in result.output
