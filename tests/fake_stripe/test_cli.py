"""`simplex-stripe fake-stripe` as a user runs it: a real process on 127.0.0.1, stopped with SIGTERM."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simplex_stripe.cli.fake_stripe import DEFAULT_PORT
from simulator.delivery.receiver import VerifyingReceiver, serving

from .conftest import KEY
from tests.support.sim import sim_auth


def start(*args: str) -> tuple[subprocess.Popen, dict]:
    """Run the command with --json; returns the process and the connection details it printed."""
    process = subprocess.Popen([sys.executable, "-m", "simplex_stripe", "fake-stripe", "--port", "0", "--json", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})
    line = process.stdout.readline()
    if not line:
        process.kill()
        pytest.fail(f"fake-stripe did not start: {process.stderr.read()}")
    return process, json.loads(line)


def stop(process: subprocess.Popen) -> int:
    """SIGTERM the process we started and wait for it."""
    process.terminate()
    try:
        return process.wait(timeout=10)
    finally:
        process.stdout.close()
        process.stderr.close()


@pytest.mark.slow
def test_the_command_serves_the_api_and_resumes_from_its_state_file(tmp_path):
    state = tmp_path / "state.json"
    process, details = start("--seed", "guide", "--state", str(state))
    try:
        assert details["secret_key"].startswith("sk_test_") and details["publishable_key"].startswith("pk_test_")
        assert details["hosted_checkout"] == details["api_base"] + "/c/pay/"
        client = stripe.StripeClient(details["secret_key"], base_addresses={"api": details["api_base"]})
        assert len(client.v1.products.list().data) == 3
        client.v1.products.create({"name": "Kept"})
    finally:
        assert stop(process) == 0
    key = details["secret_key"]
    process, details = start("--state", str(state))
    try:
        # The same key reaches the same (resumed) account; another key is a sandbox of its own.
        client = stripe.StripeClient(key, base_addresses={"api": details["api_base"]})
        assert "Kept" in [p.name for p in client.v1.products.list().data]
        other = stripe.StripeClient(KEY, base_addresses={"api": details["api_base"]})
        assert "Kept" not in [p.name for p in other.v1.products.list().data]
    finally:
        stop(process)


@pytest.mark.parametrize("args,message", [
    pytest.param(["--api-key", "sk_live_123"], "--api-key must be a test-mode secret key", id="live-key"),
    pytest.param(["--api-version", "2099-01-01"], "is not a published Stripe API version", id="bad-version"),
    pytest.param(["--seed", "nope"], "Invalid value for '--seed'", id="bad-seed"),
    pytest.param(["--delivery-order", "sorted"], "Invalid value for '--delivery-order'", id="bad-order"),
    pytest.param(["--retry", "forever"], "Invalid value for '--retry'", id="bad-retry"),
    pytest.param(["--duplicates", "-1"], "Invalid value for '--duplicates'", id="bad-duplicates"),
])
def test_bad_options_exit_2_with_one_line(args, message):
    result = CliRunner().invoke(main, ["fake-stripe", *args])
    assert result.exit_code == 2 and message in result.output


def test_a_busy_port_is_a_usage_problem():
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = CliRunner().invoke(main, ["fake-stripe", "--port", str(busy.getsockname()[1])])
    assert result.exit_code == 2 and "is already in use; pass another --port" in result.output


def _traffic(*args: str) -> list[str]:
    """Start the command, make two API calls and one webhook delivery, stop it: its stderr lines."""
    receiver = VerifyingReceiver(["whsec_placeholder"])
    process, details = start(*args)
    try:
        client = stripe.StripeClient(KEY, base_addresses={"api": details["api_base"]}, max_network_retries=0)
        with serving(receiver) as hook:
            endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook",
                                                           "enabled_events": ["customer.created"]})
            receiver.secrets[:] = [endpoint.secret]
            customer = client.v1.customers.create({"email": "log@example.com"})
            deadline = time.monotonic() + 10
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.025)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert receiver.received and receiver.received[0].verified
    return err.splitlines(), endpoint, customer


def test_the_command_logs_a_line_per_request_and_per_delivery():
    lines, endpoint, customer = _traffic()
    requests_ = [line for line in lines if "[200] POST /v1/" in line]
    assert len(requests_) == 2 and "POST /v1/webhook_endpoints [req_" in requests_[0]
    delivery = next(line for line in lines if "-->" in line)
    assert "customer.created [evt_" in delivery and "<-- [200] POST http://127.0.0.1:" in delivery
    assert endpoint.id in delivery and "attempt 1" in delivery
    assert endpoint.secret not in "\n".join(lines) and KEY not in "\n".join(lines)


def test_json_log_lines_and_quiet():
    lines, endpoint, _ = _traffic("--log-format", "json")
    records = [json.loads(line) for line in lines]
    assert [r["kind"] for r in records].count("request") == 2
    delivery = next(r for r in records if r["kind"] == "delivery")
    assert delivery["type"] == "customer.created" and delivery["status"] == 200 and delivery["endpoint"] == endpoint.id
    assert all(r["at"].endswith("Z") for r in records)
    quiet, _, _ = _traffic("-q")
    assert quiet == []


def test_delivery_options_per_run_and_at_run_time():
    process, details = start("--delivery-order", "shuffled", "--delivery-seed", "42", "--duplicates", "1",
                             "--retry", "none")
    try:
        assert details["delivery"] == {"order": "shuffled", "seed": "42", "duplicates": 1, "retry": "none"}
        shown = requests.get(details["api_base"] + "/_sim/delivery", headers=sim_auth(), timeout=5).json()
        assert (shown["order"], shown["seed"], shown["duplicates"], shown["retry_delays"]) == ("shuffled", "42", 1, [])
        changed = requests.post(details["api_base"] + "/_sim/delivery", data={"order": "in-order"},
                                headers=sim_auth(), timeout=5).json()
        assert (changed["order"], changed["duplicates"]) == ("in-order", 1)
    finally:
        assert stop(process) == 0
    # Without a seed a shuffled run gets a fresh one, and says so; the default order is stated too.
    process, details = start("--delivery-order", "shuffled")
    stop(process)
    assert details["delivery"]["order"] == "shuffled" and details["delivery"]["seed"]
    help_text = CliRunner().invoke(main, ["fake-stripe", "--help"]).output
    assert "Stripe promises none" in help_text and "default: in-order" in help_text


def test_default_port_is_not_stripe_mocks():
    assert DEFAULT_PORT not in (12111, 12112)
    assert f"default: {DEFAULT_PORT}" in CliRunner().invoke(main, ["fake-stripe", "--help"]).output
