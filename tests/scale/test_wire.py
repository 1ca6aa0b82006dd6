"""`batches` on PostgreSQL: its own prepared statements, kept across rollbacks, and a connection dropped when
a batch stops halfway."""

import gc
import json
import weakref

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from platform_adapter import batches, create_app
from platform_adapter.batches import COUNT, ROWS, Step
from platform_adapter.config import Settings
from platform_adapter.facts import Keys
from platform_adapter.schema import accounts
from platform_adapter.storage import Store
from platform_adapter.webhooks import WEBHOOK_PATH
from tests.platform.support import SECRET, DictGateway, handled, sign, story

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: starts PostgreSQL


@pytest.fixture
def store(fresh_postgres_url):
    store = Store(fresh_postgres_url)
    yield store
    store.close()


def in_batch(store: Store, steps: list[Step]) -> list:
    with store.engine.connect() as conn, conn.begin():
        return batches.run(conn, steps)


def make_accounts(store: Store, *refs: str) -> None:
    with store.write() as tx:
        for ref in refs:
            tx.create_account(ref, f"{ref}@example.com", 1.5)


def test_rows_counts_and_values_come_back_typed(store):
    make_accounts(store, "acct-1")
    statement = select(accounts.c.id, accounts.c.ref, accounts.c.created_at, accounts.c.auto_renew,
                       accounts.c.paid_until).where(accounts.c.ref >= "acct-1")
    rows, count = in_batch(store, [Step(statement, {}, ROWS),
                                   Step(accounts.update().values(paid_until=7), {}, COUNT)])
    assert [(r.ref, r.created_at, r.auto_renew, r.paid_until) for r in rows] == [("acct-1", 1.5, False, None)]
    assert isinstance(rows[0].id, int) and count == 1


def test_a_statement_twice_in_one_batch_is_prepared_once(store):
    make_accounts(store, "acct-1", "acct-2")
    statement = select(accounts.c.ref).where(accounts.c.ref == "acct-1")
    first, second = in_batch(store, [Step(statement, {}, ROWS), Step(statement, {}, ROWS)])
    assert [r.ref for r in first] == [r.ref for r in second] == ["acct-1"]


def test_prepared_statements_outlive_a_rollback(store):
    """psycopg, had it prepared statements of its own, would drop every one (DEALLOCATE ALL) at a rollback."""
    make_accounts(store, "acct-1")
    lookup = select(accounts.c.ref).where(accounts.c.id > 0)
    with store.engine.connect() as conn:
        used = conn.connection.dbapi_connection
    assert in_batch(store, [Step(lookup, {}, ROWS)])[0]
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is used
        for _ in range(10):  # more than psycopg's default prepare threshold (5)
            conn.execute(select(accounts.c.id)).all()
        conn.commit()
        with pytest.raises(DBAPIError):
            with conn.begin():
                conn.execute(text("SELECT no_such_column FROM accounts"))
    with store.engine.connect() as conn, conn.begin():
        assert conn.connection.dbapi_connection is used  # the same session, after its rollback
        assert batches.run(conn, [Step(lookup, {}, ROWS)])[0]  # no "prepared statement does not exist"


def test_statements_dropped_behind_its_back_are_prepared_again(store):
    make_accounts(store, "acct-1")
    lookup = select(accounts.c.ref).where(accounts.c.id > 0)
    assert in_batch(store, [Step(lookup, {}, ROWS)])[0]
    with store.engine.connect() as conn:
        conn.exec_driver_sql("DEALLOCATE ALL")
        conn.commit()
    with pytest.raises(DBAPIError) as failed:
        in_batch(store, [Step(lookup, {}, ROWS)])
    assert batches.deallocated(failed.value) and not failed.value.connection_invalidated
    assert in_batch(store, [Step(lookup, {}, ROWS)])[0]  # prepared anew


def test_a_transaction_whose_statements_were_dropped_runs_again(store):
    make_accounts(store, "acct-1")
    read = lambda tx: tx.look("evt_1", Keys(ref="acct-1")).account.ref  # noqa: E731
    assert store.transaction(read) == "acct-1"
    with store.engine.connect() as conn:
        conn.exec_driver_sql("DEALLOCATE ALL")
        conn.commit()
    assert store.transaction(read) == "acct-1"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, ValueError])
def test_a_batch_stopped_halfway_drops_its_connection(store, monkeypatch, stop):
    make_accounts(store, "acct-1")
    lookup = select(accounts.c.ref).where(accounts.c.id > 0)
    in_batch(store, [Step(lookup, {}, ROWS)])
    with store.engine.connect() as conn:
        used = conn.connection.dbapi_connection

    def interrupted(*args, **kwargs):
        raise stop("stopped while waiting for the server")
    monkeypatch.setattr(batches, "_wait", interrupted)
    with pytest.raises(stop):
        in_batch(store, [Step(lookup, {}, ROWS)])
    monkeypatch.undo()
    assert used.closed, "a connection with a half-read pipeline went back to the pool"
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is not used
    assert in_batch(store, [Step(lookup, {}, ROWS)])[0] == [("acct-1",)]


def test_a_value_the_driver_cannot_send_is_refused_before_anything_is_queued(store):
    make_accounts(store, "acct-1")
    lookup = select(accounts.c.ref).where(accounts.c.ref == text(":ref"))
    with store.engine.connect() as conn:
        used = conn.connection.dbapi_connection
    with pytest.raises(DBAPIError) as failed:
        in_batch(store, [Step(lookup, {"ref": "acct-1"}, ROWS), Step(lookup, {"ref": "acct-\x00"}, ROWS)])
    assert "NUL" in str(failed.value.orig) and not failed.value.connection_invalidated  # PostgreSQL text holds none
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is used
    assert in_batch(store, [Step(lookup, {"ref": "acct-1"}, ROWS)])[0] == [("acct-1",)]


def test_an_event_larger_than_the_socket_buffer_is_stored_whole(fresh_postgres_url, tmp_path):
    """A batch larger than the socket takes at once is sent in parts and stored byte for byte."""
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, database_url=fresh_postgres_url,
                        data_dir=str(tmp_path / "data"))
    app = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9)
    state = app.extensions["platform_adapter"]
    try:
        make_accounts(state.store, "acct-big")
        event = handled(story(["first-purchase"], account="acct-big", seed="big")[0])[0]
        event["data"]["object"]["metadata"]["padding"] = "x" * 900_000
        body = json.dumps(event)
        response = app.test_client().post(WEBHOOK_PATH, data=body, headers={
            "Stripe-Signature": sign(body), "Content-Type": "application/json"})
        assert response.status_code == 200 and response.get_json()["outcome"] == "applied", response.get_data()
        with state.store.engine.connect() as conn:
            stored = conn.execute(text("SELECT payload FROM stripe_events WHERE id = :id"),
                                  {"id": event["id"]}).scalar()
        assert stored == body
    finally:
        state.store.close()


def test_a_closed_connection_is_not_kept_alive_by_its_statements(store):
    make_accounts(store, "acct-1")
    in_batch(store, [Step(select(accounts.c.ref).where(accounts.c.id > 0), {}, ROWS)])
    with store.engine.connect() as conn:
        used = weakref.ref(conn.connection.dbapi_connection)
    store.engine.dispose()
    gc.collect()
    assert used() is None, "the batches' bookkeeping kept a closed connection in memory"
