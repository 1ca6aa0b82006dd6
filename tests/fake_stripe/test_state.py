"""State file resume, store indexes (O(page) lists, O(1) writes), form decoding and parameter specs."""

import json

import pytest
import stripe

from simulator.fake_stripe import FakeStripe
from simulator.engine.errors import InvalidParameter
from simulator.api.forms import decode
from simulator.api.params import NON_NEGATIVE, POSITIVE, checked, longest, one_of
from simulator.engine.metadata import merge_metadata
from simulator.engine.store import OrderedIds, Store

from .conftest import KEY, START, complete, subscription_session

FEB_28 = 1772272800


def test_a_restart_resumes_objects_ids_clock_and_scheduled_renewals(tmp_path):
    path = tmp_path / "fake.json"
    first = FakeStripe(seed="guide", state_file=str(path), clock=lambda: START)
    with first.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        guide = {p.lookup_key: p for p in client.v1.prices.list({"limit": 100}).data}
        guide["vat"] = client.v1.tax_rates.list().data[0]
        sub_id = complete(base, subscription_session(client, guide).id).json()["subscription"]
        first.advance(seconds=60)
    saved = json.loads(path.read_text())
    assert saved["format"] == 2 and saved["sandboxes"][0]["state"]["clock_offset"] == 60
    second = FakeStripe(seed="guide", state_file=str(path), clock=lambda: START)
    assert second.now == START + 60
    with second.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base})
        assert len(client.v1.products.list().data) == 3  # resumed, not re-seeded
        client.v1.customers.create({"email": "new@example.com"})
        ids = [c.id for c in client.v1.customers.list().data]
        assert len(ids) == len(set(ids)) == 2  # the id counter resumed: no id was handed out twice
        second.advance(to=FEB_28 + 3600)
        assert client.v1.invoices.list({"subscription": sub_id}).data[0].billing_reason == "subscription_cycle"


def test_the_state_file_is_replaced_atomically(tmp_path):
    path = tmp_path / "fake.json"
    fake = FakeStripe(state_file=str(path))
    fake.state_file.flush()
    fake.load_seed("guide")
    fake.close()
    assert not [p for p in tmp_path.iterdir() if p.name != "fake.json"]  # no temporary files left behind
    assert len(json.loads(path.read_text())["sandboxes"][0]["state"]["objects"]) > 10


def _store(count: int) -> Store:
    store = Store()
    for index in range(count):
        store.add({"id": f"price_{index:06d}", "object": "price", "product": f"prod_{index % 3}", "active": True})
    return store


def test_pages_walk_only_the_ids_they_return(monkeypatch):
    store = _store(20000)
    walked = []
    original = OrderedIds.walk

    def counting(self, start, step):
        for id in original(self, start, step):
            walked.append(id)
            yield id
    monkeypatch.setattr(OrderedIds, "walk", counting)
    page, more = store.page("price", limit=10, starting_after="price_010000")
    assert [p["id"] for p in page] == [f"price_{i:06d}" for i in range(9999, 9989, -1)] and more
    assert len(walked) == 11
    walked.clear()
    page, _ = store.page("price", limit=5, where={"product": "prod_1"})
    assert all(p["product"] == "prod_1" for p in page) and len(walked) == 6


def test_pages_skip_removed_objects_and_keep_positions():
    store = _store(30)
    for index in range(10, 20):
        store.remove(f"price_{index:06d}")
    page, more = store.page("price", limit=5, starting_after="price_000020")
    assert [p["id"] for p in page] == [f"price_{i:06d}" for i in (9, 8, 7, 6, 5)] and more
    page, more = store.page("price", limit=3, ending_before="price_000009")
    assert [p["id"] for p in page] == [f"price_{i:06d}" for i in (22, 21, 20)] and more


def test_writes_do_not_depend_on_store_size():
    store = _store(50000)
    before = len(store._kinds["price"].ids)
    store.add({"id": "price_new", "object": "price", "product": "prod_1"})
    assert len(store._kinds["price"].ids) == before + 1 and store.get("price_new")["product"] == "prod_1"


@pytest.mark.parametrize("pairs,expected", [
    pytest.param([("a", "1")], {"a": "1"}, id="flat"),
    pytest.param([("metadata[accountRef]", "x")], {"metadata": {"accountRef": "x"}}, id="hash"),
    pytest.param([("line_items[0][price]", "p"), ("line_items[0][tax_rates][0]", "t"),
                  ("line_items[1][price]", "q")],
                 {"line_items": {"0": {"price": "p", "tax_rates": {"0": "t"}}, "1": {"price": "q"}}}, id="nested"),
    pytest.param([("expand[]", "a"), ("expand[]", "b")], {"expand": {"0": "a", "1": "b"}}, id="appended"),
    pytest.param([("odd]key", "v")], {"odd]key": "v"}, id="stray-bracket"),
])
def test_form_decoding(pairs, expected):
    assert decode(pairs) == expected


def test_checks_name_the_offending_parameter():
    """The rules Stripe's spec leaves out, on parameters the schema has typed (validation.py)."""
    checks = {"line_items.*.quantity": POSITIVE, "amount": NON_NEGATIVE, "mode": one_of("payment"),
              "url": longest(5)}
    params = {"line_items": [{"price": "p", "quantity": 2}, {"price": "q"}], "amount": 0, "metadata": {"a": "1"}}
    assert checked(params, checks) is params
    failing = [({"line_items": [{"quantity": 1}, {"quantity": 0}]}, "line_items[1][quantity]"),
               ({"amount": -1}, "amount"), ({"mode": "setup"}, "mode"), ({"url": "https://"}, "url"),
               ({"metadata": {"k" * 41: "v"}}, f"metadata[{'k' * 41}]"),
               ({"line_items": [{"metadata": {"a[b]": "v"}}]}, "line_items[0][metadata][a[b]]")]
    for bad, path in failing:
        with pytest.raises(InvalidParameter) as exc:
            checked(bad, checks)
        assert exc.value.param == path, bad
    assert checked({"amount": None, "mode": None}, checks)  # unset values are the schema's business
    assert merge_metadata({"a": "1", "b": "2"}, {"a": None, "c": "3"}) == {"b": "2", "c": "3"}
    assert merge_metadata({"a": "1"}, None) == {}
