"""Order and duplicates must not matter: every simulator sequence, shuffled and redelivered, ends in the in-order state.

Runs the real storage and ledger (an in-memory SQLite database) through `handle_event`, the code the
webhook view calls after verifying the signature.
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.webhooks import handle_event
from simulator.sequences import SEQUENCES
from simulator.versions import CURRENT, PRE_BASIL

from .support import SECRET, STORY_FOR, DictGateway, expected, handled, reset, story


def unreferenced(events: list[dict]) -> list[dict]:
    """Only the Checkout Session names the account: everything else must wait for its links."""
    events = copy.deepcopy(events)
    for event in events:
        obj = event["data"]["object"]
        if obj.get("object") in ("subscription", "invoice"):
            obj.get("metadata", {}).pop("accountRef", None)
            for holder in ((obj.get("parent") or {}).get("subscription_details"), obj.get("subscription_details")):
                if holder:
                    holder.get("metadata", {}).pop("accountRef", None)
    return events


VARIANTS = {"current": (CURRENT, False), "pre-basil": (PRE_BASIL, False), "unreferenced": (CURRENT, True)}
EXAMPLES = {"current": 60, "pre-basil": 20, "unreferenced": 40}


@pytest.fixture(scope="module")
def state():
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, database_url="sqlite://")
    app = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9)
    return app.extensions["platform_adapter"]


def deliver(state, events: list[dict]) -> tuple:
    reset(state.store)
    with state.store.write() as tx:
        tx.create_account("acct-1", "jane@example.com", 0)
    for event in events:
        handle_event(state, event, json.dumps(event))
    with state.store.read() as tx:
        row = tx.account_by_ref("acct-1")
        pending = [r for r in tx.list_deliveries() if r.outcome in ("pending", "processing")]
    assert not pending, [(r.id, r.type, r.reason) for r in pending]
    return row.account_type, row.paid_until, row.auto_renew


def scenario(name: str, variant: str) -> tuple[list[dict], tuple]:
    version, strip = VARIANTS[variant]
    options = {}
    events, world = story(STORY_FOR[name], version=version, **options)
    events = handled(events)
    return (unreferenced(events) if strip else events), expected(name, world)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", list(SEQUENCES))
def test_in_order_delivery_gives_the_expected_state(state, name, variant):
    events, want = scenario(name, variant)
    assert deliver(state, events) == want


def _property(variant: str):
    @pytest.mark.parametrize("name", list(SEQUENCES))
    @hsettings(max_examples=EXAMPLES[variant], deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test(state, name, data):
        events, want = scenario(name, variant)
        extra = data.draw(st.lists(st.sampled_from(events), max_size=3), label="redelivered")
        order = data.draw(st.permutations(events + extra), label="deliveries")
        assert deliver(state, order) == want
    test.__name__ = f"test_any_order_with_duplicates_{variant.replace('-', '_')}"
    return test


test_any_order_with_duplicates_current = _property("current")
test_any_order_with_duplicates_pre_basil = _property("pre-basil")
test_any_order_with_duplicates_unreferenced = _property("unreferenced")
