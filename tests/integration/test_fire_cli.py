"""`simplex-stripe fire` and `sequences`, through click's runner and as a real subprocess."""

import json
import subprocess
import sys

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.stories import SEQUENCES
from tests.support.sink import ScriptedSink

SECRET = "whsec_cli_test_secret_0123"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_sequences_lists_every_sequence_with_its_events():
    result = run("sequences", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == list(SEQUENCES)
    assert rows[0]["emits"] == list(SEQUENCES["first-purchase"].emits)
    table = run("sequences")
    assert table.exit_code == 0 and "cancel-now" in table.output


def test_fire_against_a_verifying_receiver_exits_0_with_a_json_report():
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        result = run("fire", "first-purchase", "renewal", "--target", base + "/hook", "--secret", SECRET,
                     "--account", "acct-9", "--json", "--seed", "4")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["deliveries"] == len(report["events"]) == 20
    assert [r.event_id for r in receiver.received] == report["events"]
    assert all(r.verified for r in receiver.received)


def test_fire_exits_1_and_lists_failures_when_the_target_refuses():
    with serving(ScriptedSink(script=[500])) as base:
        result = run("fire", "cancel-now", "first-purchase", "--target", base, "--secret", SECRET, "--retry", "none")
    assert result.exit_code == 2 and "needs a live subscription" in result.output
    with serving(ScriptedSink(script=[500])) as base:
        result = run("fire", "one-time-purchase", "--target", base, "--secret", SECRET, "--retry", "test",
                     "--time-scale", "0")
    assert result.exit_code == 1
    assert "failed 5" in result.output and "[500]" in result.output


def test_dry_run_prints_signed_events_and_sends_nothing():
    result = run("fire", "one-time-purchase", "--secret", SECRET, "--dry-run", "--json", "--api-version", "pre-basil")
    assert result.exit_code == 0
    deliveries = json.loads(result.stdout)
    assert [d["body"]["type"] for d in deliveries] == list(SEQUENCES["one-time-purchase"].emits)
    for d in deliveries:
        assert d["body"]["api_version"] == "2025-02-24.acacia"
        body = json.dumps(d["body"], indent=2)
        assert stripe.Webhook.construct_event(body, d["headers"]["Stripe-Signature"], SECRET).id == d["body"]["id"]
    text = run("fire", "one-time-purchase", "--secret", SECRET, "--dry-run")
    assert text.exit_code == 0 and "Stripe-Signature: t=" in text.output


def test_world_file_tells_one_story_across_commands(tmp_path):
    world = tmp_path / "world.json"
    args = ["--secret", SECRET, "--dry-run", "--json", "--seed", "1", "--start", "2026-01-31T10:00:00Z"]
    assert run("fire", "first-purchase", *args).exit_code == 0
    assert not world.exists()  # a dry run changes nothing
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        first = run("fire", "first-purchase", "--target", base, "--secret", SECRET, "--world", str(world),
                    "--start", "2026-01-31T10:00:00Z", "--json", "--seed", "1")
        second = run("fire", "renewal", "--target", base, "--secret", SECRET, "--world", str(world), "--json")
    assert first.exit_code == second.exit_code == 0
    together = json.loads(run("fire", "first-purchase", "renewal", "--secret", SECRET, "--dry-run", "--json",
                              "--start", "2026-01-31T10:00:00Z", "--seed", "1").stdout)
    assert [e["body"]["id"] for e in together] == json.loads(first.stdout)["events"] + json.loads(second.stdout)["events"]
    conflicting = run("fire", "renewal", "--secret", SECRET, "--dry-run", "--world", str(world), "--account", "other")
    assert conflicting.exit_code == 2 and "drop --account" in conflicting.output


@pytest.mark.parametrize("args, message", [
    pytest.param(["bogus", "--secret", SECRET, "--dry-run"], "unknown story 'bogus'", id="unknown-sequence"),
    pytest.param(["renewal", "--secret", SECRET, "--dry-run"], "needs a live subscription", id="no-subscription"),
    pytest.param(["first-purchase", "--secret", "sk_test_123", "--dry-run"], "malformed webhook secret", id="bad-secret"),
    pytest.param(["first-purchase", "--dry-run"], "--secret whsec_… is required", id="no-secret"),
    pytest.param(["first-purchase", "--secret", SECRET], "--target URL is required", id="no-target"),
    pytest.param(["first-purchase", "--secret", SECRET, "--target", "localhost:8000"], "bad target URL", id="bad-url"),
    pytest.param(["first-purchase", "--secret", SECRET, "--target", "http://127.0.0.1:9/x"], "unreachable", id="unreachable"),
    pytest.param(["first-purchase", "--secret", SECRET, "--dry-run", "--api-version", "2099-01-01.x"],
                 "unknown API version", id="bad-version"),
    pytest.param(["first-purchase", "--secret", SECRET, "--dry-run", "--start", "yesterday"], "ISO 8601", id="bad-start"),
    pytest.param(["first-purchase", "--secret", SECRET, "--dry-run", "--interval-months", "0"], "positive", id="bad-interval"),
])
def test_usage_errors_are_one_line_with_exit_2(args, message):
    result = run("fire", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_subprocess_exit_codes_and_no_traceback():
    cmd = [sys.executable, "-m", "simplex_stripe", "fire"]
    bad = subprocess.run([*cmd, "nope", "--secret", SECRET, "--dry-run"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown story" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    ok = subprocess.run([*cmd, "first-purchase", "cancellation", "--secret", SECRET, "--local-receiver"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "14 of 14 deliveries verified" in ok.stdout
