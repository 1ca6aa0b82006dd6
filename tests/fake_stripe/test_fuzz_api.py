"""Fuzz the fake Stripe over HTTP: 1,000 hostile requests to its API, helpers and hosted pages — never a 5xx,
never a request left unanswered for 5 s, never a change from one without the key. `benchmarks/fuzz_fake.py
--cases 10000` runs the same cases at scale."""

import pytest

from tests.support import fuzz_http
from tests.support.fuzz_runs import run_fake

CASES = 1000


@pytest.mark.timeout(240)
def test_a_thousand_hostile_requests_to_the_fake():
    result = run_fake(CASES, random_seed=7)
    assert result["problems"] == [] and result["problem_count"] == 0, result
    assert (result["status_5xx"], result["hangs"], result["closed_without_answer"]) == (0, 0, 0)
    assert result["cases"] == CASES and result["serving_after"] and result["deliveries"] == 0
    assert set(result["by_kind"]) == set(fuzz_http.KINDS) and result["state_changes_forged"] == 0
    statuses = {int(s) for s in result["by_status"]}
    assert 401 in statuses and 200 in statuses and 400 in statuses and 404 in statuses  # every road was taken
