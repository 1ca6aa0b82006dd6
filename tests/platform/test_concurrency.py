"""The same event delivered at the same moment, over separate connections, is applied once (SQLite)."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from platform_adapter import ledger
from platform_adapter.facts import EventMeta, interpret
from platform_adapter.schema import facts_table, links
from platform_adapter.storage import Store
from platform_adapter.catalogue.cache import CatalogueCache, Resolver

from .support import DictGateway, handled, sign, story

WORKERS = 8


def test_concurrent_http_deliveries_apply_once(probe, store):
    ref = probe.create_account()
    events, _ = story(["first-purchase"], account=ref)
    event = next(e for e in events if e["type"] == "invoice.paid")
    body = json.dumps(event).encode()
    barrier = threading.Barrier(WORKERS)

    def post(_):
        header = sign(body)
        barrier.wait()
        return requests.post(probe.webhook_url, data=body, timeout=30,
                             headers={"Stripe-Signature": header}).json()["outcome"]

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = sorted(pool.map(post, range(WORKERS)))
    assert outcomes == ["applied"] + ["duplicate"] * (WORKERS - 1)
    with store.read() as tx:
        assert tx.count(facts_table) == 1
    assert probe.account(ref)["accountType"] == "professional"
    assert sorted(e["outcome"] for e in probe.events()) == outcomes


def test_two_stores_on_one_file_record_an_event_once(tmp_path):
    """Two engines (as two worker processes would have) race inside `ledger.record` itself."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    stores = [Store(url), Store(url)]
    with stores[0].write() as tx:
        tx.create_account("acct-1", "jane@example.com", 0)
    events, _ = story(["first-purchase"])
    gateway = DictGateway()
    for event in handled(events):
        meta = EventMeta(event["id"], event["type"], event["created"])
        interpretation = interpret(meta, event["data"]["object"], Resolver(CatalogueCache(stores[0], gateway, lambda: 0)))
        barrier = threading.Barrier(len(stores))

        def run(store):
            barrier.wait()
            return ledger.record(store, meta, json.dumps(event), interpretation, 0).outcome

        with ThreadPoolExecutor(len(stores)) as pool:
            outcomes = sorted(pool.map(run, stores))
        assert outcomes == ["applied", "duplicate"], event["type"]
    with stores[1].read() as tx:
        assert tx.count(links) == 2
        assert tx.account_by_ref("acct-1").account_type == "professional"
    for store in stores:
        store.close()
