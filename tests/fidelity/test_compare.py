"""`simplex-stripe compare`: the fake scores 100 % against its own recording; planted differences are named."""

import dataclasses
import json

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.engine import completion, events, invoices
from simulator.fidelity import examples
from simulator.fidelity.scripts import SCRIPTS

pytestmark = pytest.mark.timeout(120)


def run_compare(*args) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["compare", *args, "--json", "--limit", "5000"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def differences(report: dict) -> list[dict]:
    return [d for story in report["stories"] for step in story["steps"] for d in step["differences"]]


@pytest.mark.slow  # replays all seven stories, a second apart
def test_replay_of_every_story_on_the_embedded_fake_scores_100(recorded):
    code, report = run_compare(str(recorded), "--min-score", "100")
    assert code == 0 and report["passed"]
    assert [s["name"] for s in report["stories"]] == list(SCRIPTS)
    for story in report["stories"]:
        assert story["events"]["score"] == 100.0 and story["responses"]["score"] == 100.0, story["name"]
        assert story["events"]["compared"] > 300
    assert report["score"] == 100.0 and not differences(report)
    assert {"invoice.paid", "customer.subscription.updated", "invoice.payment_failed", "charge.updated",
            "(event order)"} <= set(report["by_type"])


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_shipped_example_cassettes_score_100(name):
    """The fake recorded itself; re-record with `python -m simulator.fidelity.examples` after a deliberate change."""
    code, report = run_compare(f"example:{name}", "--min-score", "100")
    assert code == 0, ("the fake no longer behaves as when example:%s was recorded; if that is deliberate, "
                       "re-record with `python -m simulator.fidelity.examples`: %s" % (name, differences(report)[:5]))
    assert examples.path(name).is_file()


def test_planted_extra_event_is_named_with_its_step(recorded, other_fake, monkeypatch):
    def emit(state, type, record, **kwargs):
        event = events.emit(state, type, record, **kwargs)
        if type == "customer.subscription.created":
            events.emit(state, "customer.updated", state.store.get(record["customer"]), at=kwargs["at"])
        return event

    monkeypatch.setattr(completion, "emit", emit)
    code, report = run_compare(str(recorded), "--api-base", other_fake, "--story", "first-purchase",
                               "--min-score", "100")
    assert code == 1 and not report["passed"] and report["score"] < 100
    found = differences(report)
    assert found[0] == {"step": "subscribe through Checkout", "where": "customer.updated #2", "path": "(event)",
                        "kind": "extra event", "recorded": "(absent)", "replayed": "customer.updated"}
    assert report["by_type"]["customer.updated"]["score"] < 100
    assert report["by_type"]["invoice.paid"]["score"] == 100


def test_planted_previous_attributes_difference_is_named(recorded, other_fake, monkeypatch):
    real = events.previous_attributes

    def previous_attributes(before, after):
        out = real(before, after)
        out.pop("cancel_at_period_end", None)
        return out

    monkeypatch.setattr(events, "previous_attributes", previous_attributes)
    code, report = run_compare(str(recorded), "--api-base", other_fake, "--story", "cancel-at-period-end")
    found = [d for d in differences(report) if d["path"] == "data.previous_attributes.cancel_at_period_end"]
    assert found == [{"step": "cancel at period end", "where": "customer.subscription.updated",
                      "path": "data.previous_attributes.cancel_at_period_end", "kind": "missing in replay",
                      "recorded": "False", "replayed": "(absent)"}]
    assert report["by_type"]["customer.subscription.updated"]["score"] < 100


def test_planted_tax_off_by_one_is_named(recorded, other_fake, monkeypatch):
    real = invoices.line_tax

    def line_tax(amount, percentage, inclusive=False):
        tax = real(amount, percentage, inclusive)
        return dataclasses.replace(tax, tax=tax.tax + 1, total=tax.total + 1) if percentage else tax

    monkeypatch.setattr(invoices, "line_tax", line_tax)
    code, report = run_compare(str(recorded), "--api-base", other_fake, "--story", "first-purchase")
    found = {(d["step"], d["where"], d["path"]): d for d in differences(report)}
    tax = found[("subscribe through Checkout", "POST /v1/checkout/sessions", "total_details.amount_tax")]
    assert (tax["kind"], tax["recorded"], tax["replayed"]) == ("value", "223", "224")
    # The recorded payment confirms the amount the buyer saw (3123), so the off-by-one fake refuses it ...
    status = found[("subscribe through Checkout", "POST /v1/payment_pages/cs_test#1/confirm", "(status)")]
    assert (status["recorded"], status["replayed"]) == ("200", "400")
    # ... and the purchase's events never happen.
    assert found[("subscribe through Checkout", "invoice.paid", "(event)")]["kind"] == "missing event"
    assert report["by_type"]["invoice.paid"]["score"] == 0
    assert report["by_type"]["product.created"]["score"] == 100


@pytest.mark.parametrize("content, message", [
    (None, "no such cassette"), ("{", "not a JSON cassette"), ('{"format": "other"}', "not a simplex-stripe"),
    ('{"format": "simplex-stripe-cassette", "version": 9, "stories": []}', "cassette version 9"),
])
def test_unreadable_cassettes_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "c.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["compare", str(path)])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_story_and_example_exit_2(recorded):
    result = CliRunner().invoke(main, ["compare", str(recorded), "--story", "nosuch"])
    assert result.exit_code == 2 and "no story 'nosuch'" in result.output
    result = CliRunner().invoke(main, ["compare", "example:nosuch"])
    assert result.exit_code == 2 and "no example cassette 'nosuch'" in result.output


def test_text_report_has_step_rows_type_scores_and_the_score(recorded):
    result = CliRunner().invoke(main, ["compare", str(recorded), "--story", "renewal"])
    assert result.exit_code == 0, result.output
    assert "story renewal: events 100.0%" in result.output
    assert "  renew " in result.output and "invoice.paid" in result.output
    assert "fidelity score: 100.00% of event fields" in result.output


def test_compare_refuses_live_keys_and_uses_the_key_a_pinned_fake_wants(recorded):
    from simulator.fake_stripe import FakeStripe

    result = CliRunner().invoke(main, ["compare", str(recorded), "--api-key", "sk_live_51Abc"])
    assert result.exit_code == 2 and "refusing a live key" in result.output
    fake = FakeStripe(seed="empty", api_key="sk_test_pinned_0123")
    with fake.serving(host="127.0.0.1", port=0) as base:
        code, report = run_compare(str(recorded), "--api-base", base, "--api-key", "sk_test_pinned_0123",
                                   "--story", "cancel-now", "--min-score", "100")
    assert code == 0 and report["score"] == 100.0
