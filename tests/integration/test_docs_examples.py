"""The README's and docs/stripe-cli.md's shell examples of the Stripe CLI habits, run as written in bash on
127.0.0.1: only the ports (12180, 8000) become free ones and the placeholder ids of `events resend` real ones."""

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = "/api/v6/integrations/stripe/web-hooks"


def sh_blocks(doc: str) -> list[str]:
    """The ```sh blocks of a Markdown file, in order."""
    return re.findall(r"```sh\n(.*?)```", (ROOT / doc).read_text(encoding="utf-8"), flags=re.S)


def block_with(doc: str, needle: str) -> str:
    found = [b for b in sh_blocks(doc) if needle in b]
    assert len(found) == 1, f"{doc}: {len(found)} sh blocks hold {needle!r}"
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def shell(tmp_path):
    """Runs a script with bash -e in a fresh folder, `simplex-stripe` on PATH; kills what it left behind."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "simplex-stripe"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m simplex_stripe "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples")
    ports = {"fake": free_port(), "platform": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SIMPLEX_"))}
    # The commands' default fake (127.0.0.1:12180) is this test's fake, as the port substitution below makes it.
    env.update(STRIPE_API_BASE=f"http://127.0.0.1:{ports['fake']}", PATH=f"{bin_dir}:{env.get('PATH', '')}",
               PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(tmp_path / "config"), LOG=str(tmp_path / "out.log"), PYTHONUNBUFFERED="1", COLUMNS="200")
    started: list[subprocess.Popen] = []

    def run(script: str, timeout: float = 180) -> tuple[int, str]:
        script = script.replace("127.0.0.1:12180", f"127.0.0.1:{ports['fake']}").replace(
            "127.0.0.1:8000", f"127.0.0.1:{ports['platform']}").replace(
            "serve --port 8000", f"serve --port {ports['platform']}").replace(
            "fake-stripe --seed guide", f"fake-stripe --seed guide --port {ports['fake']}")
        with open(tmp_path / "out.log", "w") as log:
            process = subprocess.Popen(["bash", "-e", "-c", script], cwd=work, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            started.append(process)
            code = process.wait(timeout=timeout)
        return code, (tmp_path / "out.log").read_text()

    run.ports = ports
    yield run
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the session's background jobs, if a step failed
        except ProcessLookupError:
            pass


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_readmes_stripe_cli_example_applies_a_trigger_and_a_fixture_file(shell):
    code, out = shell(block_with("README.md", "simplex-stripe listen --forward-to"))
    assert code == 0, out
    platform = f"http://127.0.0.1:{shell.ports['platform']}{WEBHOOK}"
    assert "Ready! You are using Stripe API Version" in out and "Trigger succeeded!" in out
    assert "Running fixture for: subscription  GET /v1/subscriptions/sub_" in out
    assert re.search(rf"<--  \[200\] POST {re.escape(platform)} \[evt_\w+\] applied", out), out
    assert len(re.findall(r"--> invoice\.paid \[evt_", out)) >= 2 and "--> checkout.session.completed" in out
    assert not re.search(r"<--  \[[45]\d\d\]", out), out


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_readmes_fire_example_is_applied_by_serve(shell):
    code, out = shell(block_with("README.md", "simplex-stripe fire first-purchase --target"))
    assert code == 0, out
    assert re.search(r"seed \w+: replay this run with --seed \w+", out)
    assert "✅ applied 2 · duplicate 0 · rejected 0 · ignored 10 · failed 0" in out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_stripe_cli_pages_examples_run_in_order_in_one_shell(shell):
    blocks = [b for b in sh_blocks("docs/stripe-cli.md")]
    assert [[key in b for key in ("\nsimplex-stripe listen --forward-to", "events resend", "fixtures examples/",
                                  "trigger invoice.paid")] for b in blocks] == [
        [True, False, False, False], [False, True, False, False], [False, False, True, False],
        [False, False, False, True]]
    # The resend example's placeholder ids: the first checkout.session.completed listen forwarded, listen's endpoint.
    event = ("$(for i in $(seq 100); do grep -q '<--.*applied (linked' \"$LOG\" && break; sleep 0.1; done; "
             "grep -o 'checkout.session.completed \\[evt_[A-Za-z0-9]*' \"$LOG\" | head -1 | cut -d[ -f2)")
    endpoint = (f"$(curl -s -u sk_test_demo: http://127.0.0.1:12180/v1/webhook_endpoints | \"{sys.executable}\" -c "
                "'import json,sys; print(json.load(sys.stdin)[\"data\"][0][\"id\"])')")
    blocks[1] = blocks[1].replace("evt_1abkzND9ARtsaTJv29x24tl2", event).replace("we_10Ti4ovazjr1bIkjsQgCj0bM",
                                                                                   endpoint)
    code, out = shell("\n".join(blocks))
    assert code == 0, out
    platform = f"http://127.0.0.1:{shell.ports['platform']}{WEBHOOK}"
    applied = re.search(rf"<--  \[200\] POST {re.escape(platform)} \[(evt_\w+)\] applied \(linked", out)
    assert applied, out
    assert f"resent checkout.session.completed [{applied.group(1)}] to we_" in out
    assert f"[{applied.group(1)}] duplicate (already received; nothing changed)" in out
    assert "Running fixture for: subscription  GET /v1/subscriptions/sub_" in out  # the checkout file
    assert re.search(r'"cancel_now": \{\s+"id": "sub_\w+"', out), out  # the plan-change file, --json
    assert "Trigger succeeded!" in out
    assert "✅ applied 2 · duplicate 0 · rejected 0 · ignored 13 · failed 0" in out  # --target to acct-7
    assert "Telling story: cancellation" in out  # a story by its old name
    assert re.search(r"customer\.subscription\.deleted +try 1 +\[200\]", out), out
