"""`simplex-stripe demo`: the walk-through prints the account after each step; --serve keeps both running."""

import logging
import os
import re
import socket
import subprocess
import sys
import time

import pytest

import requests
from click.testing import CliRunner

from simplex_stripe.cli import main
from tests.support.processes import stop_process

SECRETS = re.compile(r"sk_test_demo_[0-9a-f]{6,}|whsec_[A-Za-z0-9]{6,}")


def test_demo_walks_a_customer_through_the_guide(caplog):
    caplog.set_level(logging.WARNING)
    result = CliRunner().invoke(main, ["demo", "--admin-password", "demo-password-1"])
    # Its folder is thrown away: no key file is made, so no WARNING to back one up.
    assert not [r for r in caplog.records if "encryption key" in r.getMessage()], caplog.text
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[0].strip(): line for line in result.output.splitlines() if line.strip()}
    assert "professional  active" in lines["first purchase"] and "auto-renewal on" in lines["first purchase"]
    assert lines["renewal (+1 month)"].split("paid until ")[1] > lines["first purchase"].split("paid until ")[1]
    assert "business      active" in lines["plan change → business"], lines
    assert "auto-renewal off" in lines["auto-renewal stopped"] and "inactive" in lines["period over"]
    assert "/account" in lines["Account Settings"] and "admin password: demo-password-1" in lines["Stripe config"]
    assert "3 offered" in lines["products loaded"]
    assert not SECRETS.search(result.output)


@pytest.mark.slow
def test_demo_serve_keeps_the_pages_up_and_shows_the_simulated_time(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "simplex_stripe", "demo", "--serve",
                             "--data-dir", str(tmp_path / "data")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        output, deadline = [], time.time() + 60
        while time.time() < deadline and not any(line.startswith("serving") for line in output):
            output.append(proc.stdout.readline())
        account_url = next(line.split()[2] for line in output if line.startswith("Account Settings"))
        page = requests.get(account_url, timeout=10)
        assert page.status_code == 200 and "Sign in" in page.text
        assert (tmp_path / "data" / "platform.sqlite3").exists()
        # Clicking through after the walk: the page judges and shows the fake's clock, as the printout did.
        printed = next(line for line in output if line.startswith("period over"))
        http = requests.Session()
        form = http.get(account_url + "/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        page = http.post(account_url + "/login", data={"csrf_token": token, "email": "demo.customer@example.com"},
                         timeout=10).text
        shown = re.search(r'data-testid="simulated-time">Demo clock: <strong>([^<]+)</strong>', page).group(1)
        assert shown > time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(time.time() + 30 * 86400))
        assert 'data-testid="active">Inactive<' in page and "inactive" in printed
        assert re.search(r'data-testid="paid-until">([^<]+)<', page).group(1) in printed
    finally:
        proc.terminate()
        try:
            rest, _ = proc.communicate(timeout=30)
        finally:
            stop_process(proc)  # killed if SIGTERM did not end it
    assert proc.returncode == 0, rest
    assert not SECRETS.search("".join(output) + rest)


def test_a_busy_port_is_one_line_and_exit_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for flag in ("--port", "--stripe-port"):
            result = CliRunner().invoke(main, ["demo", flag, port])
            assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
