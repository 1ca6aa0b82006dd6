"""Hostile and malformed input at the webhook boundary: every case of issue 13 gets its documented 2xx/4xx."""

import copy
import json
import socket
import time

import pytest
from sqlalchemy import text

from platform_adapter.schema import events as events_table
from platform_adapter.webhooks import WEBHOOK_PATH
from simulator.stories import new_story

from .support import CATALOGUE, START, sign, story

INVOICE, UPDATED, SESSION = "invoice.paid", "customer.subscription.updated", "checkout.session.completed"
SQL_WORDS = ("INSERT", "SELECT", "[SQL", "[parameters", "Traceback", "sqlite3", "psycopg")


def engine_events(ref: str) -> dict[str, dict]:
    """The first event of each type of a first purchase and a plan change, as the story engine makes them."""
    events, _ = story(["first-purchase", "plan-change"], account=ref)
    first: dict[str, dict] = {}
    for event in events:
        first.setdefault(event["type"], event)
    return first


def line(event: dict) -> dict:
    return event["data"]["object"]["lines"]["data"][0]


def item(event: dict) -> dict:
    return event["data"]["object"]["items"]["data"][0]


def setter(where, key, value):
    """A mutation that sets one field of the event (found by `where`) to `value`."""
    return lambda event: where(event).__setitem__(key, value)


ENVELOPE = lambda event: event  # noqa: E731
OBJECT = lambda event: event["data"]["object"]  # noqa: E731
# (case, event type, mutation, the rejected outcome's reasonCode): the cases issue 13 found answered 500.
ONE_FIELD_WRONG = [
    ("created-2**63", INVOICE, setter(ENVELOPE, "created", 9223372036854775808), "invalid_created"),
    ("created-10**12", INVOICE, setter(ENVELOPE, "created", 10**12), "invalid_created"),
    ("line-amount-abc", INVOICE, setter(line, "amount", "abc"), "invalid_amount"),
    ("lines-data-5", INVOICE, setter(OBJECT, "lines", {"data": 5}), "invalid_lines"),
    ("status-object", INVOICE, setter(OBJECT, "status", {}), "invalid_status"),
    ("subscription-id-5", UPDATED, setter(OBJECT, "id", 5), "invalid_id"),
    ("price-object-integer-id", UPDATED, setter(item, "price", {"id": 5, "object": "price"}), "invalid_price"),
    ("event-id-lone-surrogate", INVOICE, setter(ENVELOPE, "id", "evt_\ud800"), "invalid_event_id"),
    ("customer-lone-surrogate", INVOICE, setter(OBJECT, "customer", "cus_\udfff"), "invalid_customer"),
    ("api-version-object", INVOICE, setter(ENVELOPE, "api_version", {}), "invalid_api_version"),
    ("period-end-2**62", INVOICE, lambda e: line(e)["period"].__setitem__("end", 2**62), "invalid_period"),
    ("id-with-nul", UPDATED, setter(OBJECT, "id", "sub_\x00"), "invalid_id"),
]


def state(probe, ref: str) -> dict:
    return probe.account(ref)


@pytest.mark.parametrize("case", [c[0] for c in ONE_FIELD_WRONG])
def test_a_signed_event_with_one_field_wrong_is_rejected_naming_the_field(probe, store, case):
    _, event_type, mutate, code = next(c for c in ONE_FIELD_WRONG if c[0] == case)
    ref = probe.create_account()
    events = engine_events(ref)
    probe.post_event(events[SESSION])  # links the customer and the subscription: a valid invoice would apply
    before = state(probe, ref)
    broken = copy.deepcopy(events[event_type])
    broken["id"] += "_broken"  # the valid event keeps its own id
    mutate(broken)
    body = json.dumps(broken).encode()  # \ud800 is written as the escape JSON allows
    answer = probe.post_event(body).json()
    assert (answer["outcome"], answer["reasonCode"]) == ("rejected", code), answer
    again = probe.post_event(body)  # Stripe's retry: a 200 again (kept as a duplicate, or rejected again)
    assert again.status_code == 200 and again.json()["outcome"] in ("rejected", "duplicate"), again.text
    assert state(probe, ref) == before
    # The account still reads, and the valid event applies afterwards.
    assert probe.post_event(events[INVOICE]).json()["outcome"] == "applied"
    assert state(probe, ref)["accountType"] == "professional"


def test_a_quantity_that_is_not_a_number_is_rejected(probe):
    """Line items embedded in a session (as `expand[]=line_items` gives them) are read for their quantity."""
    ref = probe.create_account()
    told = new_story(seed="q", start=START, account=ref, price="price_pro", new_price="price_biz",
                     product=CATALOGUE["price_pro"][0], new_product=CATALOGUE["price_biz"][0])
    session = next(e for e in told.run(["one-time-purchase"]) if e["type"] == SESSION)
    listing = told.backend.request("GET", f"/v1/checkout/sessions/{session['data']['object']['id']}/line_items")
    good = copy.deepcopy(session)
    good["data"]["object"]["line_items"] = listing
    bad = copy.deepcopy(good)
    bad["id"] += "_bad"
    bad["data"]["object"]["line_items"]["data"][0]["quantity"] = "abc"
    answer = probe.post_event(bad).json()
    assert (answer["outcome"], answer["reasonCode"]) == ("rejected", "invalid_quantity")
    assert state(probe, ref)["accountType"] is None
    assert probe.post_event(good).json()["outcome"] == "applied"
    assert state(probe, ref)["accountType"] == "professional"


def test_a_non_ascii_signature_is_a_signature_mismatch(probe, store):
    response = probe.post_event(b"{}", header="t=1,v1=\u00e9")
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "signature_mismatch"


def test_a_body_nested_100000_deep_is_malformed(probe):
    body = b"[" * 100_000 + b"]" * 100_000
    response = probe.post_event(body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_event"
    deep_event = b'{"id": "evt_deep", "type": "invoice.paid", "created": 1, "data": {"object": ' + \
        b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}}"
    response = probe.post_event(deep_event)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_event"


def test_a_database_failure_is_500_without_sql_or_parameters(probe, store):
    ref = probe.create_account()
    event = engine_events(ref)[SESSION]
    with store.write() as tx:  # the database the platform expects is gone (as after a failed migration)
        tx.conn.execute(text("ALTER TABLE stripe_events RENAME TO stripe_events_moved"))
    response = probe.post_event(event)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "storage_error"
    assert not [word for word in SQL_WORDS if word in response.text], response.text
    assert ref not in response.text and "whsec" not in response.text


@pytest.mark.parametrize("method", ["OPTIONS", "GET", "PUT", "DELETE", "PATCH"])
def test_every_method_but_post_is_405(probe, method):
    response = probe.session.request(method, probe.webhook_url, timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def raw_post(base: str, headers: str, chunks, timeout: float = 5.0, *, end: bool = False) -> tuple[bytes, float]:
    """Send a request on a raw socket (`end`: then close our side); return all the server sent until it closed."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        start = time.monotonic()
        sock.sendall(f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode())
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:  # the server stopped reading: fine, its answer is what counts
            pass
        if end:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:  # a socket timeout here fails the test: the server never closed the connection
            data = sock.recv(65536)
            if not data:
                return received, time.monotonic() - start
            received += data


def test_a_chunked_body_over_the_limit_is_413_and_the_connection_closes(probe, store):
    body = json.dumps({"id": "evt_big", "padding": "x" * 3_000_000}).encode()
    pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    headers = f"Content-Type: application/json\r\nStripe-Signature: {sign(body)}\r\nTransfer-Encoding: chunked\r\n"
    received, took = raw_post(probe.base, headers, chunks)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert b"request_entity_too_large" in received and took < 5


def test_a_content_length_over_the_limit_is_413_and_the_connection_closes(probe):
    body = json.dumps({"id": "evt_big", "padding": "x" * 3_000_000}).encode()
    headers = f"Content-Type: application/json\r\nStripe-Signature: {sign(body)}\r\nContent-Length: {len(body)}\r\n"
    received, took = raw_post(probe.base, headers, [body])
    assert received.startswith(b"HTTP/1.1 413") and took < 5


def test_a_chunked_body_under_the_limit_is_read_whole(probe):
    ref = probe.create_account()
    body = json.dumps(engine_events(ref)[SESSION]).encode()
    pieces = [body[i:i + 1000] for i in range(0, len(body), 1000)]
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    headers = (f"Content-Type: application/json\r\nStripe-Signature: {sign(body)}\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n")
    received, _ = raw_post(probe.base, headers, chunks)
    assert received.startswith(b"HTTP/1.1 200") and b'"applied"' in received


def test_the_period_end_case_leaves_no_time_past_9999_stored(probe, store):
    ref = probe.create_account()
    events = engine_events(ref)
    probe.post_event(events[SESSION])
    broken = copy.deepcopy(events[INVOICE])
    line(broken)["period"]["end"] = 2**62
    assert probe.post_event(broken).json()["reasonCode"] == "invalid_period"
    with store.read() as tx:
        assert tx.conn.execute(text("SELECT MAX(paid_until) FROM accounts")).scalar() is None
        assert tx.count(events_table) == 2  # the session and the rejected invoice, kept with its reason
    assert probe.account(ref)["paidUntil"] is None


@pytest.mark.parametrize("body, framing", [
    (b"zz\r\nabc\r\n0\r\n\r\n", "chunked"),  # not a chunk size
    (b"3\r\nabcXX0\r\n\r\n", "chunked"),  # a chunk without its line end
    (b"5\r\nab", "chunked"),  # the body ends inside a chunk
    (b'{"id": "evt', "length"),  # shorter than its Content-Length
], ids=["bad-size", "no-line-end", "ends-in-chunk", "short-content-length"])
def test_a_body_that_cannot_be_read_is_400(probe, store, body, framing):
    framing_header = "Transfer-Encoding: chunked" if framing == "chunked" else "Content-Length: 500"
    received, took = raw_post(probe.base, f"Stripe-Signature: t=1,v1=ab\r\n{framing_header}\r\n", [body], end=True)
    assert received.startswith(b"HTTP/1.1 400"), received[:200]
    assert b'"bad_request"' in received and took < 5
    with store.read() as tx:
        assert tx.count(events_table) == 0
