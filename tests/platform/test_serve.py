"""`simplex-stripe serve`: configuration errors are one line with exit 2; it serves the platform."""

import json
import os
import re
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from simplex_stripe.cli import main
from tests.support.processes import stop_process

from .support import SECRET, TOKEN

KEYS = {"STRIPE_SECRET_KEY": "sk_test_platform", "STRIPE_WEBHOOK_SECRET": SECRET}


@pytest.mark.parametrize("env, args, message", [
    pytest.param({}, [], "missing environment variable(s): STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET", id="no-keys"),
    pytest.param({"STRIPE_SECRET_KEY": "sk_test_x"}, [], "STRIPE_WEBHOOK_SECRET", id="no-webhook-secret"),
    pytest.param(KEYS, ["--database-url", "mysql://db/x"], "unsupported database URL", id="bad-database"),
    pytest.param(KEYS, ["--database-url", "postgresql+nodriver://db/x"], "postgresql", id="no-driver"),
])
def test_configuration_problems_exit_2_with_one_line(tmp_path, env, args, message):
    unset = {k: None for k in os.environ if k.startswith(("STRIPE_", "SIMPLEX_"))}
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path), *args], env={**unset, **env})
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.slow
def test_serve_runs_the_platform_and_creates_the_data_folder(tmp_path):
    env = {**os.environ, **KEYS, "SIMPLEX_PROBE_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "simplex_stripe", "serve", "--port", "0"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline, url = time.time() + 20, None
        while url is None and time.time() < deadline:
            line = proc.stderr.readline()
            found = re.search(r"webhook endpoint\s+(http://\S+)", line)
            url = found.group(1) if found else None
        assert url, "serve did not print its URL"
        base = url.split("/api/")[0]
        created = requests.post(base + "/api/v6/integrations/stripe/conformance/accounts", json={"email": "a@b.example"},
                                headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert created.status_code == 201
        assert requests.post(url, data=b"{}", timeout=10).status_code == 400  # no signature
        assert (tmp_path / "simplex-data" / "platform.sqlite3").exists()
    finally:
        stop_process(proc)


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_serve_logs_a_forged_id_on_one_line(tmp_path, log_format):
    """The issue's case: an unsigned body whose id holds a newline and a CRITICAL line of its own."""
    env = {**os.environ, **KEYS}
    proc = subprocess.Popen([sys.executable, "-m", "simplex_stripe", "serve", "--port", "0", "--log-format",
                             log_format], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline, url, lines = time.time() + 20, None, []
        while url is None and time.time() < deadline:
            lines.append(proc.stderr.readline())
            found = re.search(r"webhook endpoint\s+(http://\S+)", lines[-1])
            url = found.group(1) if found else None
        assert url, "serve did not print its URL"
        forged = b'{"id": "evt_1\\nCRITICAL platform_adapter: FORGED LOG LINE", "type": "invoice.paid"}'
        assert requests.post(url, data=forged, timeout=10).status_code == 400
        assert requests.post(url, data=b'{"id": "evt_end"}', timeout=10).status_code == 400  # a line after it
        while not any("evt_end" in line for line in lines) and time.time() < deadline + 20:
            lines.append(proc.stderr.readline())
    finally:
        stop_process(proc)
    logged = [line for line in lines if "FORGED" in line]
    assert len(logged) == 1 and not logged[0].startswith("CRITICAL"), lines
    if log_format == "json":
        record = json.loads(logged[0])
        assert record["level"] == "WARNING" and "evt_1\\x0aCRITICAL" in record["message"]
    else:
        assert logged[0].startswith("WARNING platform_adapter.delivery_log:") and "evt_1\\x0aCRITICAL" in logged[0]
