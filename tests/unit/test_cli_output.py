"""The command line's output pieces: tables that never cut a value, and the platform's answers read from bodies."""

import io
import json

import pytest
from rich.console import Console

from simplex_stripe.cli.answers import parse_expect, summary, surprises, tally
from simplex_stripe.cli.live import LiveDeliveries, plain_line
from simplex_stripe.cli.tables import Rows
from simulator.delivery.sender import Attempt, Report

EVENT_ID = "evt_1abkzND9ARtsaTJv29x24tl2"
LONG_TYPE = "checkout.session.async_payment_succeeded"


def table() -> Rows:
    rows = Rows("deliveries", "event", "type", "what happened")
    rows.add(EVENT_ID, LONG_TYPE, "the platform applied it to the account and sent a receipt to the customer")
    rows.add("evt_2", "customer.subscription.updated\ncustomer.subscription.deleted", "ignored")
    return rows


def printed(rows: Rows, width: int, terminal: bool) -> str:
    out = io.StringIO()
    rows.print(Console(file=out, width=width, force_terminal=terminal, color_system=None))
    return out.getvalue()


@pytest.mark.parametrize("width,terminal", [(80, True), (120, True), (40, True), (80, False), (20, False)])
def test_a_table_never_cuts_an_id_or_an_event_type(width, terminal):
    text = printed(table(), width, terminal)
    for value in (EVENT_ID, LONG_TYPE, "customer.subscription.updated", "customer.subscription.deleted"):
        assert value in text, text
    assert "…" not in text


def test_off_a_terminal_a_table_is_plain_aligned_lines():
    lines = printed(table(), 80, False).splitlines()
    assert lines[0] == "deliveries:" and "┃" not in "".join(lines)
    assert lines[2].index(LONG_TYPE) == lines[1].index("type") == lines[3].index("customer.subscription.updated")
    assert lines[4].strip() == "customer.subscription.deleted"


def test_a_wide_terminal_gets_a_rich_table_and_prose_wraps_between_words():
    text = printed(table(), 100, True)
    assert "┃" in text and EVENT_ID in text and LONG_TYPE in text
    assert "rec\n" not in text  # words are not folded


def attempt(event_id: str, status: int | None, body: dict | str | None = None, number: int = 1) -> Attempt:
    response = json.dumps(body) if isinstance(body, dict) else (body or "")
    return Attempt(event_id, "invoice.paid", number, status, 3.0, response, None if status else "connection failed")


def applied(event_id: str, outcome: str = "applied", reason: str | None = None) -> Attempt:
    return attempt(event_id, 200, {"received": True, "id": event_id, "outcome": outcome, "reason": reason})


def test_the_summary_counts_each_deliverys_final_verdict():
    report = Report(attempts=[applied("evt_a"), applied("evt_a", "duplicate"), attempt("evt_b", 500),
                              attempt("evt_b", 500, number=2), applied("evt_c", "rejected", "unknown price"),
                              attempt("evt_d", 200, "ok")],
                    failed=[attempt("evt_b", 500, number=2)])
    assert summary(tally(report)) == ("applied 1 · duplicate 1 · rejected 1 · ignored 0 · acknowledged 1 · "
                                      "failed 1")


def test_a_cut_off_body_still_yields_outcome_and_reason():
    head = '{"received": true, "id": "evt_a", "outcome": "rejected", "reason": "the price price_1 is not' + "x" * 200
    line = plain_line(attempt("evt_a", 200, head[:200]))
    assert "rejected" in line and "the price price_1 is not" in line


def test_expectations_judge_first_deliveries_and_want_redeliveries_to_be_duplicates():
    report = Report(attempts=[applied("evt_a"), applied("evt_a"), applied("evt_b", "ignored"),
                              applied("evt_c", "rejected", "no account")])
    found = surprises(report, parse_expect("applied,ignored"))
    assert [(s.attempt.event_id, s.verdict) for s in found] == [("evt_a", "applied"), ("evt_c", "rejected")]
    assert surprises(Report(attempts=[applied("evt_a"), applied("evt_a", "duplicate")]), parse_expect("applied")) == []
    with pytest.raises(ValueError):
        parse_expect("aplied")


@pytest.mark.parametrize("width", [80, 100, 200])
def test_the_live_table_on_a_terminal_never_cuts_an_id_when_rows_outgrow_it(width):
    out = io.StringIO()
    console = Console(file=out, width=width, height=24, force_terminal=True, color_system=None)
    rows = [Attempt(f"evt_1abkzND9ARtsaTJv29x24t{n:02d}", LONG_TYPE, 1, 200, 3.0,
                    json.dumps({"outcome": "ignored", "reason": f"event type {LONG_TYPE} is not one of the four"}), None)
            for n in range(5)]
    with LiveDeliveries(console, total=len(rows)) as live:
        for a in rows:
            live.add(a)
    text = out.getvalue()
    for a in rows:
        assert a.event_id in text, text
    assert LONG_TYPE in text and "…" not in text
    # narrow: the table gave way to plain lines, one whole line per attempt
    assert (width < 120) == (plain_line(rows[-1]) in text)


def test_line_output_off_a_terminal_is_never_wrapped_at_80_columns():
    """`conformance` and `doctor` in CI logs: a scenario name or a problem stays one line, however long."""
    from simplex_stripe.cli.tables import output_console
    out = io.StringIO()
    console = output_console(file=out)
    label = "✅ Scenario: a renewal's invoice.paid extends paidUntil by the plan's interval, anchored on the 31st"
    console.print(label, markup=False, highlight=False)
    console.print(f"[red]❌ {label}[/]")
    assert out.getvalue().splitlines() == [label, f"❌ {label}"]
