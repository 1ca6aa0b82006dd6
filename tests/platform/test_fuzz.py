"""Fuzz the webhook endpoint: ~1,000 hostile deliveries, never a 5xx, never a change from unsigned or forged ones.

The strategies (tests/support/fuzz.py) make headers, signatures, bodies and one-field mutations of
the story engine's events of every sequence. `benchmarks/fuzz_webhook.py --cases 10000` runs the
same cases at scale and prints the counts.
"""

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings as hsettings

from platform_adapter import create_app
from platform_adapter.config import Settings
from tests.support import fuzz

from .support import CATALOGUE, SECRET, DictGateway

EXAMPLES = 1000
seen: Counter = Counter()


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token="t",
                        data_dir=str(tmp_path_factory.mktemp("fuzz")), sqlite_synchronous="NORMAL")
    app = create_app(settings, gateway=DictGateway(prices={**CATALOGUE, **fuzz.catalogue()}))
    store = app.extensions["platform_adapter"].store
    with store.write() as tx:
        tx.create_account(fuzz.ACCOUNT, "jane@example.com", 0)
    yield app.test_client(), store
    store.close()


@pytest.mark.timeout(240)
@hsettings(max_examples=EXAMPLES, deadline=None, database=None,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                  HealthCheck.function_scoped_fixture])
@given(case=fuzz.cases(SECRET))
def test_no_delivery_gets_a_5xx_or_changes_state_unsigned(platform, case):
    client, store = platform
    answer = fuzz.send(client, store, case)
    seen[(case.kind, answer.status)] += 1
    assert not answer.problems, (case.kind, case.what, case.header, case.body[:300], answer)


def test_the_fuzz_run_covered_every_kind():
    """Runs after the property (file order): every kind of case was tried and answered."""
    if not seen:
        pytest.skip("run together with the fuzz property")
    kinds = {kind for kind, _ in seen}
    assert kinds == set(fuzz.KINDS), seen
    assert any(status == 200 for kind, status in seen if kind == fuzz.MUTATION)
