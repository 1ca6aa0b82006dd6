"""The storage and ledger on PostgreSQL: every sequence in any order, and two engines racing on one event."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from platform_adapter import create_app, ledger
from platform_adapter.config import Settings
from platform_adapter.errors import StorageError
from platform_adapter.facts import EventMeta, interpret
from platform_adapter.schema import facts_table, links
from platform_adapter.storage import Store
from platform_adapter.stripe_gateway import CatalogueCache, Resolver
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
