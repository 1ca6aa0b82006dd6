"""Log lines that input cannot shape: a forged value is escaped, every record stays one line (text or JSON)."""

import io
import json
import logging
import time

import pytest

from platform_adapter import logs


FORGED = "evt_1\nCRITICAL platform_adapter: FORGED LOG LINE\r\u2028x"


@pytest.fixture
def captured():
    """The root logger's records as the platform's installed formatter writes them (text), and as JSON."""
    text, as_json = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(text), logging.StreamHandler(as_json)]
    handlers[0].setFormatter(logs.formatter("text"))
    handlers[1].setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    for handler in handlers:
        root.addHandler(handler)
    yield text, as_json
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(stream) -> list[str]:
    return [line for line in stream.getvalue().split("\n") if line]


def test_escape_leaves_one_line():
    assert logs.escape("a\nb\rc\x1b[31m\u2028\x85d") == "a\\x0ab\\x0dc\\x1b[31m\\u2028\\x85d"
    assert logs.escape("plain evt_1 é ✅") == "plain evt_1 é ✅"


@pytest.mark.parametrize("signed", [False, True])
def test_a_hostile_id_stays_one_log_line(probe, captured, signed):
    text, as_json = captured
    body = json.dumps({"id": FORGED, "object": "event", "type": "invoice.paid", "created": int(time.time()),
                       "api_version": "2026-10-28.endive", "data": {"object": {"object": "invoice"}}}).encode()
    response = probe.post_event(body, header="sign" if signed else None)
    assert response.status_code == (200 if signed else 400), response.text
    if signed:  # a signed id with a newline is not an id Stripe makes: rejected, never stored
        assert response.json()["outcome"] == "rejected"
        assert response.json()["reasonCode"] == "invalid_event_id"
    lines = _lines(text)
    assert lines and not any(line.startswith("CRITICAL") or "FORGED" in line and "\\x0a" not in line
                             for line in lines), lines
    assert any("evt_1\\x0aCRITICAL platform_adapter: FORGED LOG LINE\\x0d\\u2028x" in line for line in lines), lines
    records = [json.loads(line) for line in _lines(as_json)]  # every line is one whole JSON object
    assert len(records) == len(lines)
    assert {"at", "level", "logger", "process", "message"} <= set(records[0])


def test_a_traceback_cannot_start_a_record(captured):
    text, _ = captured
    try:
        raise ValueError("boom\nCRITICAL x: forged")
    except ValueError:
        logging.getLogger("platform_adapter.test").exception("failed for %s", "a\nCRITICAL y: forged")
    lines = _lines(text)
    assert len([line for line in lines if not line.startswith("    ")]) == 1, lines
    assert not any(line.startswith("CRITICAL") for line in lines)


def test_the_deliveries_panel_shows_a_forged_id_escaped(probe, app, store):
    # Signed but no event (no `created`, no `data`): kept as a row, with the id it claims.
    assert probe.post_event(json.dumps({"id": FORGED, "type": "invoice.paid"}).encode()).status_code == 400
    with store.read() as tx:
        rows = tx.recent_deliveries(5)
    assert rows[0].event_id.startswith("evt_1\\x0aCRITICAL") and "\n" not in rows[0].event_id
