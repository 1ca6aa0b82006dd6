"""`simplex-stripe serve`: configuration errors are one line with exit 2; it serves the platform."""

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
