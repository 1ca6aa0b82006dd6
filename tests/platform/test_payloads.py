"""The read-map: both payload shapes, as the simulator renders them, read the same."""

import pytest
import stripe

from platform_adapter import payloads as p
from platform_adapter.errors import InvalidField
from simulator.versions import CURRENT, PRE_BASIL

from .support import story


def pairs():
    names = ["first-purchase", "renewal", "plan-change", "cancel-undo", "cancellation"]
    current, _ = story(names, version=CURRENT)
    old, _ = story(names, version=PRE_BASIL)
    return list(zip(current, old))


@pytest.mark.parametrize("as_objects", [False, True], ids=["dicts", "stripe-objects"])
def test_both_shapes_read_alike(as_objects):
    checked = set()
    for new, old in pairs():
        assert new["type"] == old["type"]
        objs = [e["data"]["object"] for e in (new, old)]
        if as_objects:
            objs = [stripe.Event.construct_from(e, "sk_test_x").data.object for e in (new, old)]
        if new["type"] == "invoice.paid":
            assert p.invoice_subscription_id(objs[0]) == p.invoice_subscription_id(objs[1]) is not None
            assert p.invoice_account_ref(objs[0]) == p.invoice_account_ref(objs[1]) == "acct-1"
            assert p.subscription_lines(objs[0]) == p.subscription_lines(objs[1])
            assert all(p.invoice_is_paid(o) for o in objs)
            checked.add("invoice")
        if new["type"].startswith("customer.subscription."):
            assert p.subscription_period_end(objs[0]) == p.subscription_period_end(objs[1]) is not None
            assert p.subscription_items(objs[0])[0].price == p.subscription_items(objs[1])[0].price
            assert p.metadata_ref(objs[0]) == p.metadata_ref(objs[1]) == "acct-1"
            checked.add("subscription")
        if new["type"] == "checkout.session.completed":
            assert p.session_account_ref(objs[0]) == p.session_account_ref(objs[1]) == "acct-1"
            checked.add("session")
    assert checked == {"invoice", "subscription", "session"}


def test_proration_lines_are_marked_in_both_shapes():
    for version in (CURRENT, PRE_BASIL):
        events, _ = story(["first-purchase", "plan-change"], version=version, new_price="price_biz_year",
                          new_interval_months=12)
        update = [e for e in events if e["type"] == "invoice.paid"][-1]["data"]["object"]
        lines = p.subscription_lines(update)
        assert [line.proration for line in lines] == [True, False]
        assert lines[1].price == "price_biz_year"


def test_get_tolerates_missing_steps_and_names_a_scalar_one():
    assert p.get({"a": {"b": 1}}, "a", "b") == 1
    assert p.get({"a": None}, "a", "b") is None
    with pytest.raises(InvalidField) as raised:
        p.get({"a": 3}, "a", "b")
    assert raised.value.reason_code == "invalid_a"  # the field that should have been an object
    assert p.id_of({"id": "x"}) == "x" and p.id_of("y") == "y" and p.id_of("") is None
