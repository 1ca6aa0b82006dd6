"""The storage and ledger on PostgreSQL: every sequence in any order, and two engines racing on one event."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy.dialects import postgresql

from platform_adapter import create_app, ledger, queries
from platform_adapter.config import Settings
from platform_adapter.errors import StorageError
from platform_adapter.accounts import AccountState
from platform_adapter.facts import EventMeta, Fact, Keys, interpret
from platform_adapter.schema import facts_table, links
from platform_adapter.storage import Store
from platform_adapter.transaction import EventStoredAlready
from platform_adapter.catalogue.cache import CatalogueCache, Resolver
from simulator.stories import SEQUENCES
from tests.platform.support import SECRET, STORY_FOR, DictGateway, deliver_all, expected, handled, story, unreferenced


pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: starts PostgreSQL


@pytest.fixture(scope="module")
def state(postgres_url, tmp_path_factory):
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, database_url=postgres_url,
                        data_dir=str(tmp_path_factory.mktemp("data")))  # its encryption key file, not the cwd's
    app = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9)
    state = app.extensions["platform_adapter"]
    yield state
    state.store.close()




@pytest.mark.parametrize("referenced", [True, False], ids=["referenced", "unreferenced"])
@pytest.mark.parametrize("name", list(SEQUENCES))
@hsettings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_with_duplicates_on_postgres(state, name, referenced, data):
    events, world = story(STORY_FOR[name])
    events = handled(events) if referenced else unreferenced(handled(events))
    extra = data.draw(st.lists(st.sampled_from(events), max_size=3), label="redelivered")
    assert deliver_all(state, data.draw(st.permutations(events + extra), label="deliveries")) == expected(name, world)


def test_two_engines_record_an_event_once(postgres_server):
    """Two engines (as two worker processes would have) race inside `ledger.record` itself."""
    url = postgres_server.create_database("two_engines")
    stores = [Store(url), Store(url)]
    with stores[0].write() as tx:
        tx.create_account("acct-1", "jane@example.com", 0)
    events, _ = story(["first-purchase"])
    for event in handled(events):
        meta = EventMeta(event["id"], event["type"], event["created"])
        interpretation = interpret(meta, event["data"]["object"],
                                   Resolver(CatalogueCache(stores[0], DictGateway(), lambda: 0)))
        barrier = threading.Barrier(len(stores))

        def run(store):
            barrier.wait()
            return ledger.record(store, meta, json.dumps(event), interpretation, 0).outcome

        with ThreadPoolExecutor(len(stores)) as pool:
            assert sorted(pool.map(run, stores)) == ["applied", "duplicate"], event["type"]
    with stores[1].read() as tx:
        assert (tx.count(links), tx.count(facts_table)) == (2, 1)
        assert tx.account_by_ref("acct-1").account_type == "professional"
    for store in stores:
        store.close()


def test_a_missing_database_is_a_storage_error(postgres_server):
    """A URL naming no database fails at start with StorageError (the CLI prints it), not a traceback."""
    with pytest.raises(StorageError, match="no_such_database"):
        Store(postgres_server.url("no_such_database"))


def test_an_event_id_stored_meanwhile_rolls_back_every_write_sent_with_its_commit(postgres_server):
    """The writes and COMMIT share a round trip: an id stored by a delivery holding other locks undoes them all."""
    store = Store(postgres_server.create_database("stored_meanwhile"))
    row = {"id": "evt_same", "type": "invoice.paid", "created": 1, "api_version": None, "payload": "{}",
           "received_at": 2.0, "outcome": "ignored", "reason": None, "reason_code": None}
    with store.write() as tx:
        tx.create_account("acct-1", "jane@example.com", 0)
    store.transaction(lambda tx: tx.insert_event(row))

    def again(tx):
        account = tx.look("evt_other", Keys(ref="acct-1")).account  # locks and reads: a different event's keys
        tx.add_facts(account.id, [Fact("purchase", "cs_1", {"months": 1})], "evt_same")
        tx.save_state(account.id, AccountState("professional", 99, False, None), 3.0)
        tx.insert_event({**row, "outcome": "applied"})

    with pytest.raises(EventStoredAlready):
        store.transaction(again)
    with store.read() as tx:  # nothing of it was kept, and the pooled connection works
        assert tx.count(facts_table) == 0 and tx.account_by_ref("acct-1").account_type is None
        assert [r.outcome for r in tx.list_deliveries()] == ["ignored"]
    store.close()


def test_pending_lookups_use_the_partial_indexes_even_as_generic_plans(postgres_server):
    """A delivery's pending lookup never scans the events table, however many events it holds.

    Prepared statements run as generic plans after a few executions, planned without the parameters'
    values; the lookup names the partial indexes' own literal predicate, so even those plans use them.
    """
    url = postgres_server.create_database("pending_plans")
    Store(url).close()
    sql = queries.PENDING_OF.compile(dialect=postgresql.dialect()).string
    sql = sql.replace("%(customer)s", "$1").replace("%(subscription)s", "$2")
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute("INSERT INTO stripe_events (id, type, created, received_at, outcome, customer_id, subscription_id, "
                     "payload) SELECT 'evt_' || n, 'invoice.paid', n, n, 'applied', 'cus_' || n, 'sub_' || n, '{}' "
                     "FROM generate_series(1, 20000) AS n")
        conn.execute("ANALYZE stripe_events")
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE pending (text, text) AS {sql}")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN EXECUTE pending('cus_7', 'sub_7')"))
        assert "using ix_stripe_events_pending_" in plan and "Seq Scan" not in plan, plan
        compression = conn.execute("SELECT attcompression FROM pg_attribute WHERE attrelid = 'stripe_events'::regclass "
                                   "AND attname = 'payload'").fetchone()[0]
        assert compression == "l"  # lz4: Debian's PostgreSQL (14 and later) is built with it


def test_an_older_database_loses_the_full_indexes_and_gains_the_partial_ones(postgres_server):
    url = postgres_server.create_database("older_indexes")
    Store(url).close()
    driver_url = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(driver_url, autocommit=True) as conn:  # as versions before the partial indexes left it
        conn.execute("DROP INDEX ix_stripe_events_pending_customer_id, ix_stripe_events_pending_subscription_id")
        for column in ("customer_id", "subscription_id", "account_id"):
            conn.execute(f"CREATE INDEX ix_stripe_events_{column} ON stripe_events ({column})")
        conn.execute("ALTER TABLE stripe_events ALTER COLUMN payload SET COMPRESSION pglz")
    Store(url).close()
    with psycopg.connect(driver_url, autocommit=True) as conn:
        names = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'stripe_events'")}
        assert names == {"stripe_events_pkey", "ix_stripe_events_account_ref", "ix_stripe_events_pending_customer_id",
                         "ix_stripe_events_pending_subscription_id"}
        assert conn.execute("SELECT attcompression FROM pg_attribute WHERE attrelid = 'stripe_events'::regclass "
                            "AND attname = 'payload'").fetchone()[0] == "l"
