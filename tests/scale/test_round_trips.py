"""What a delivery costs on PostgreSQL, counted on the wire: round trips, prepared statements, no ping.

The platform talks to the session's PostgreSQL through a relay that reads the client's side of the
protocol (tests/support/pgwire.py): every `Sync` or simple `Query` is a round trip, however psycopg
batches the statements.
"""

import json
import logging
import time

import psycopg
import pytest

from platform_adapter import create_app, database
from platform_adapter.config import Settings
from platform_adapter.webhooks import WEBHOOK_PATH, handle_event
from tests.platform.support import SECRET, DictGateway, handled, sign, story, unreferenced
from tests.support.pgwire import counting_relay

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: starts PostgreSQL

MAX_ROUND_TRIPS = 2  # the look (BEGIN, locks, reads), then the writes with the COMMIT
STORY = ["first-purchase", "renewal", "renewal", "plan-change", "cancellation"]


@pytest.fixture
def platform(postgres_server, fresh_postgres_url, tmp_path):
    """The platform on PostgreSQL through a counting relay; keys re-read hourly, so no refresh lands mid-count."""
    with counting_relay(postgres_server.port) as (port, wire):
        url = fresh_postgres_url.replace(f":{postgres_server.port}/", f":{port}/")
        settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, database_url=url,
                            stored_config_ttl_s=3600, data_dir=str(tmp_path / "data"))
        app = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9)
        state = app.extensions["platform_adapter"]
        yield app.test_client(), state, wire
        state.store.close()


def deliver(client, wire, event: dict, reads: list | None = None) -> tuple[dict, int, list[str], list[str]]:
    """POST one signed event; its answer, round trips, wire messages and statements parsed (reads: appended)."""
    body = json.dumps(event)
    wire.reset()
    response = client.post(WEBHOOK_PATH, data=body, headers={"Stripe-Signature": sign(body),
                                                              "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    with wire.lock:
        if reads is not None:
            reads.append(wire.reads)
        return response.get_json(), wire.round_trips, list(wire.messages), list(wire.statements)


def account(state, ref: str) -> tuple:
    with state.store.read() as tx:
        row = tx.account_by_ref(ref)
    return row.account_type, row.paid_until, row.auto_renew


def on_sqlite(tmp_path, ref: str, events: list[dict]) -> tuple:
    """The account the same events leave on SQLite, each delivered once in order (the reference)."""
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET,
                        database_url=f"sqlite:///{tmp_path / 'reference.sqlite3'}", data_dir=str(tmp_path))
    state = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9).extensions["platform_adapter"]
    try:
        with state.store.write() as tx:
            tx.create_account(ref, f"{ref}@example.com", 0)
        for event in events:
            handle_event(state, event, json.dumps(event))
        return account(state, ref)
    finally:
        state.store.close()


def warm_up(client, state, wire, *refs: str) -> None:
    """Make the accounts; a first one's story teaches the catalogue cache its prices and psycopg its statements."""
    with state.store.write() as tx:
        for ref in ("acct-warm", *refs):
            tx.create_account(ref, f"{ref}@example.com", 0)
    for event in handled(story(STORY, account="acct-warm", seed="warm")[0]):
        deliver(client, wire, event)


def test_a_delivery_takes_at_most_two_round_trips_with_prepared_statements(platform, tmp_path):
    client, state, wire = platform
    warm_up(client, state, wire, "acct-1", "acct-2")
    for ref, seed in (("acct-1", "one"), ("acct-2", "two")):
        events = story(STORY, account=ref, seed=seed)[0]
        for event in handled(events):
            answer, trips, messages, statements = deliver(client, wire, event)
            assert answer["outcome"] == "applied", answer
            assert trips <= MAX_ROUND_TRIPS, (event["type"], trips, statements)
            # Parse ('P') is only sent for a statement not prepared on the connection yet.
            assert "P" not in messages, f"{event['type']}: statements parsed again: {statements}"
        assert account(state, ref) == on_sqlite(tmp_path / ref, ref, handled(events))
        for event in handled(events):  # every redelivery: found stored under the locks, logged, acknowledged
            answer, trips, _, statements = deliver(client, wire, event)
            assert answer["outcome"] == "duplicate", answer
            assert trips <= MAX_ROUND_TRIPS, (event["type"], trips, statements)


def test_each_round_trips_statements_reach_the_server_together(platform):
    """A batch's statements and its Sync leave in one write, so the server wakes up for each batch, not for
    each statement."""
    client, state, wire = platform
    warm_up(client, state, wire, "acct-1")
    reads, started = [], time.monotonic()
    for event in handled(story(STORY, account="acct-1", seed="together")[0]):
        assert deliver(client, wire, event, reads)[0]["outcome"] == "applied"
    assert max(reads) <= 3 * MAX_ROUND_TRIPS, reads
    # Held data that nobody releases leaves after 200 ms: five deliveries would take seconds.
    assert time.monotonic() - started < 0.2 * len(reads), "statements were held back"


def test_ignored_and_pending_events_stay_within_two_round_trips(platform):
    client, state, wire = platform
    warm_up(client, state, wire, "acct-1")
    events = handled(unreferenced(story(["first-purchase", "renewal"], seed="pending")[0]))
    session = next(e for e in events if e["type"] == "checkout.session.completed")
    waiting = [e for e in events if e is not session]
    for event in waiting:  # no account reference and nothing linked yet: kept as pending
        answer, trips, _, statements = deliver(client, wire, event)
        assert answer["outcome"] == "pending", answer
        assert trips <= MAX_ROUND_TRIPS, (event["type"], trips, statements)
    answer, _, _, _ = deliver(client, wire, session)  # links them: the uncommon path, more round trips allowed
    assert answer["outcome"] == "applied"
    with state.store.read() as tx:
        assert {r.outcome for r in tx.list_deliveries(account_ref="acct-1")} == {"applied"}
    ignored = dict(session, id="evt_ignored_type", type="customer.created")
    answer, trips, _, statements = deliver(client, wire, ignored)
    assert answer["outcome"] == "ignored" and trips == 1, (answer, trips, statements)  # BEGIN, the row, COMMIT


def terminate_platform_connections(postgres_server, database: str, wire) -> int:
    """pg_terminate_backend every connection to the database; wait until the platform's side has seen them close."""
    with psycopg.connect(host="127.0.0.1", port=postgres_server.port, user="simplex", dbname="postgres",
                         autocommit=True) as admin:
        others = "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        killed = admin.execute(f"SELECT count(pg_terminate_backend(pid)) {others}", [database]).fetchone()[0]
        deadline = time.monotonic() + 30
        while admin.execute(f"SELECT count(*) {others}", [database]).fetchone()[0]:
            assert time.monotonic() < deadline, "terminated backends did not exit"
            time.sleep(0.02)
    while wire.open:  # the relay passes the close on to the platform's sockets
        assert time.monotonic() < deadline, "the relay kept connections open"
        time.sleep(0.02)
    return killed


@pytest.mark.parametrize("seen_at_checkout", [True, False], ids=["seen-at-checkout", "found-on-use"])
def test_dead_pooled_connection(platform, postgres_server, caplog, monkeypatch, seen_at_checkout):
    """The server closed the pooled connections: the next deliveries are applied, with no ping per request.

    A connection the server closed is replaced at checkout; one that died unseen (the check switched
    off here) fails at the delivery's first round trip, and the transaction runs again on a new one.
    """
    client, state, wire = platform
    warm_up(client, state, wire, "acct-1")
    events = handled(story(["first-purchase", "renewal"])[0])
    assert deliver(client, wire, events[0])[0]["outcome"] == "applied"
    if not seen_at_checkout:
        monkeypatch.setattr(database, "server_closed", lambda dbapi_conn: False)
    assert terminate_platform_connections(postgres_server, state.store.engine.url.database, wire) >= 1
    caplog.set_level(logging.WARNING, logger="platform_adapter.storage")
    for event in events[1:]:
        assert deliver(client, wire, event)[0]["outcome"] == "applied"
    assert ("database connection lost" in caplog.text) is not seen_at_checkout
    with state.store.read() as tx:
        assert len(tx.list_deliveries(account_ref="acct-1")) == len(events)
