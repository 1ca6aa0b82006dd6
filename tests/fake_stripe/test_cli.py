"""`simplex-stripe fake-stripe` as a user runs it: a real process on 127.0.0.1, stopped with SIGTERM."""

import json
import os
import subprocess
import sys

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main

from .conftest import KEY


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
    process, details = start("--state", str(state))
    try:
        client = stripe.StripeClient(KEY, base_addresses={"api": details["api_base"]})
        assert "Kept" in [p.name for p in client.v1.products.list().data]
    finally:
        stop(process)


@pytest.mark.parametrize("args,message", [
    pytest.param(["--api-key", "sk_live_123"], "--api-key must be a test-mode secret key", id="live-key"),
    pytest.param(["--api-version", "2099-01-01"], "is not a published Stripe API version", id="bad-version"),
    pytest.param(["--seed", "nope"], "Invalid value for '--seed'", id="bad-seed"),
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
