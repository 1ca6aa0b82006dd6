"""Order and duplicates must not matter: every simulator sequence, shuffled and redelivered, ends in the in-order state.

Runs the real storage and ledger (an in-memory SQLite database) through `handle_event`, the code the
webhook view calls after verifying the signature.
"""


import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.stories import SEQUENCES
from simulator.versions import CURRENT, PRE_BASIL

from .support import SECRET, STORY_FOR, DictGateway, deliver_all, expected, handled, story, unreferenced




VARIANTS = {"current": (CURRENT, False), "pre-basil": (PRE_BASIL, False), "unreferenced": (CURRENT, True)}
EXAMPLES = {"current": 60, "pre-basil": 20, "unreferenced": 40}


@pytest.fixture(scope="module")
def state():
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, database_url="sqlite://")
    app = create_app(settings, gateway=DictGateway(), clock=lambda: 1.0e9)
    return app.extensions["platform_adapter"]




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
    assert deliver_all(state, events) == want


def _property(variant: str):
    @pytest.mark.parametrize("name", list(SEQUENCES))
    @hsettings(max_examples=EXAMPLES[variant], deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test(state, name, data):
        events, want = scenario(name, variant)
        extra = data.draw(st.lists(st.sampled_from(events), max_size=3), label="redelivered")
        order = data.draw(st.permutations(events + extra), label="deliveries")
        assert deliver_all(state, order) == want
    test.__name__ = f"test_any_order_with_duplicates_{variant.replace('-', '_')}"
    return test


test_any_order_with_duplicates_current = _property("current")
test_any_order_with_duplicates_pre_basil = _property("pre-basil")
test_any_order_with_duplicates_unreferenced = _property("unreferenced")
