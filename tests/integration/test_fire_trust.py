"""`fire` you can trust: a fresh seed per run, the platform's answer on every row, a summary, --expect; and the
README's example run twice at `simplex-stripe serve` (a real process) for two accounts."""

import json
import os
import re
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.webhooks import WEBHOOK_PATH
from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving
from tests.support.sink import ScriptedSink

SECRET = "whsec_demo_0123456789"
TOKEN = "demo-token"


def dry_ids(*extra: str) -> tuple[list[str], str | None]:
    result = CliRunner().invoke(main, ["fire", "first-purchase", "--secret", SECRET, "--dry-run", "--json", *extra])
    assert result.exit_code == 0, result.output
    printed = re.search(r"seed (\S+): replay this run with --seed \1", result.stderr)
    return [d["body"]["id"] for d in json.loads(result.stdout)], printed and printed.group(1)


def test_each_run_has_a_fresh_printed_seed_and_the_seed_repeats_a_run():
    first, seed = dry_ids("--start", "2026-01-31T10:00:00Z")
    second, other = dry_ids("--start", "2026-01-31T10:00:00Z")
    assert seed != other and not set(first) & set(second)
    again, printed = dry_ids("--start", "2026-01-31T10:00:00Z", "--seed", seed)
    assert again == first and printed is None  # a seed given is not printed again


def contract_sink(outcome: str):
    """A platform stand-in answering every delivery with the reference contract's JSON."""
    def app(environ, start_response):
        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"received": True, "id": body.get("id"), "outcome": outcome,
                            "reason": "unknown account reference 'acct-x'" if outcome == "rejected" else None}
                           ).encode()]
    return app


def test_rows_show_the_outcome_the_summary_counts_them_and_expect_fails_on_rejected():
    with serving(contract_sink("rejected")) as base:
        result = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base + WEBHOOK_PATH,
                                           "--secret", SECRET, "--expect", "applied,ignored"])
        strict = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base + WEBHOOK_PATH,
                                           "--secret", SECRET, "--strict", "--json"])
    assert result.exit_code == 1, result.output
    assert "rejected" in result.output and "unknown account reference 'acct-x'" in result.output
    assert "applied 0 · duplicate 0 · rejected 5 · ignored 0 · failed 0" in result.output
    assert "unexpected outcomes" in result.output
    assert strict.exit_code == 1 and json.loads(strict.stdout)["outcomes"] == {"rejected": 5}
    with serving(contract_sink("applied")) as base:
        ok = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base + WEBHOOK_PATH,
                                       "--secret", SECRET, "--expect", "applied", "--duplicates", "1"])
    # every redelivery answered `applied` again is a duplicate applied twice: --expect catches it
    assert ok.exit_code == 1 and "duplicate (a redelivery)" in ok.output


def test_rejections_without_expect_exit_0_but_the_summary_is_no_tick():
    with serving(contract_sink("rejected")) as base:
        result = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base + WEBHOOK_PATH,
                                           "--secret", SECRET])
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("⚠️") and "rejected 5" in summary and "--strict fails a run with rejected" in summary
    assert "✅" not in result.output


def test_a_2xx_without_the_contracts_json_is_acknowledged_and_bad_expectations_are_usage_errors():
    with serving(ScriptedSink(script=[200])) as base:
        result = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base, "--secret", SECRET])
        both = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base, "--secret", SECRET,
                                         "--expect", "applied", "--strict"])
        typo = CliRunner().invoke(main, ["fire", "one-time-purchase", "--target", base, "--secret", SECRET,
                                         "--expect", "aplied"])
    assert result.exit_code == 0 and "acknowledged 5" in result.output
    assert both.exit_code == 2 and typo.exit_code == 2 and "--expect 'aplied'" in typo.output


@pytest.fixture
def serve(tmp_path):
    """A fake Stripe with the guide's catalogue, and `simplex-stripe serve` (a real process) using it."""
    fake = FakeStripe(seed="guide")
    with fake.serving() as stripe_base:
        env = {**os.environ, "STRIPE_SECRET_KEY": "sk_test_demo", "STRIPE_WEBHOOK_SECRET": SECRET,
               "STRIPE_API_BASE": stripe_base, "SIMPLEX_PROBE_TOKEN": TOKEN}
        process = subprocess.Popen([sys.executable, "-m", "simplex_stripe", "serve", "--port", "0",
                                    "--data-dir", str(tmp_path / "data")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        try:
            base = _announced(process)
            yield stripe_base, base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            finally:
                process.stderr.close()


def _announced(process) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(r"webhook endpoint\s+(http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1)
    pytest.fail("serve did not announce its webhook endpoint")


def test_two_runs_at_serve_are_applied_to_two_accounts(serve):
    stripe_base, base = serve
    probe = requests.Session()
    probe.headers["Authorization"] = f"Bearer {TOKEN}"
    for ref in ("acct-1", "acct-2"):
        made = probe.post(f"{base}{PROBE_PREFIX}/accounts", json={"email": f"{ref}@example.com", "id": ref},
                          timeout=10)
        assert made.status_code == 201, made.text
    for ref in ("acct-1", "acct-2"):
        # The README's example, as written, with this test's addresses.
        out = subprocess.run([sys.executable, "-m", "simplex_stripe", "fire", "first-purchase",
                              "--target", base + WEBHOOK_PATH, "--secret", SECRET, "--account", ref,
                              "--stripe-api-base", stripe_base, "--stripe-api-key", "sk_test_demo",
                              "--expect", "applied,ignored"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "applied 2 · duplicate 0 · rejected 0 · ignored " in out.stdout and "failed 0" in out.stdout
    for ref in ("acct-1", "acct-2"):
        account = probe.get(f"{base}{PROBE_PREFIX}/accounts/{ref}", timeout=10).json()
        assert account["active"] is True and account["accountType"] == "professional", account
