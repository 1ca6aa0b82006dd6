"""`fire --cassette`: a recorded story's events delivered to a webhook URL, newly signed, with fire's options."""

import json

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fidelity import cassette
from simulator.delivery.receiver import VerifyingReceiver, serving

pytestmark = pytest.mark.timeout(120)
SECRET = "whsec_fidelity_fire_0123456789"


def recorded_events(tape: dict, name: str) -> list[dict]:
    return [event for step in cassette.story(tape, name)["steps"] for event in step["events"]]


def test_fire_delivers_a_recorded_story_in_order_and_every_delivery_verifies(recorded, recorded_cassette):
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        result = CliRunner().invoke(main, ["fire", "--cassette", str(recorded), "--cassette-story", "failed-renewal",
                                           "--target", base + "/hook", "--secret", SECRET, "--json"])
    assert result.exit_code == 0, result.output
    wanted = recorded_events(recorded_cassette, "failed-renewal")
    report = json.loads(result.stdout)
    assert report["ok"] and report["events"] == [event["id"] for event in wanted]
    assert [(r.event_id, r.type) for r in receiver.received] == [(e["id"], e["type"]) for e in wanted]
    assert all(r.verified for r in receiver.received)
    assert "invoice.payment_failed" in [r.type for r in receiver.received]


def test_fire_options_apply_to_a_cassette(recorded, recorded_cassette):
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        result = CliRunner().invoke(main, ["fire", "--cassette", str(recorded), "--cassette-story", "cancel-now",
                                           "--cassette-story", "one-time", "--target", base, "--secret", SECRET,
                                           "--duplicates", "1", "--order", "reversed", "--json"])
    assert result.exit_code == 0, result.output
    wanted = recorded_events(recorded_cassette, "cancel-now") + recorded_events(recorded_cassette, "one-time")
    assert len(receiver.received) == 2 * len(wanted)
    assert receiver.received[0].event_id == wanted[-1]["id"]  # reversed
    assert sorted(r.event_id for r in receiver.received) == sorted(2 * [e["id"] for e in wanted])


def test_dry_run_of_a_shipped_example_prints_the_recorded_bodies():
    result = CliRunner().invoke(main, ["fire", "--cassette", "example:cancel-now", "--secret", SECRET, "--dry-run",
                                       "--json"])
    assert result.exit_code == 0, result.output
    bodies = [d["body"] for d in json.loads(result.stdout)]
    assert "customer.subscription.deleted" in [b["type"] for b in bodies]
    assert all(d["headers"]["Stripe-Signature"].startswith("t=") for d in json.loads(result.stdout))


@pytest.mark.parametrize("args, message", [
    (["first-purchase", "--cassette", "example:renewal"], "one of the two"),
    ([], "one of the two"),
    (["--cassette", "example:renewal", "--cassette-story", "nosuch"], "no story 'nosuch'"),
    (["--cassette", "missing.json"], "no such cassette"),
])
def test_cassette_usage_problems_exit_2(args, message):
    result = CliRunner().invoke(main, ["fire", *args, "--secret", SECRET, "--dry-run"])
    assert result.exit_code == 2 and message in result.output
