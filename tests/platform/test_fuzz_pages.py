"""Fuzz the platform's pages and probe over HTTP: 1,000 hostile requests — never a 5xx, never unanswered for
5 s, never a change from a forged one (no or wrong token, forged cookie). `benchmarks/fuzz_platform.py
--cases 10000` runs the same cases at scale."""

import pytest

from tests.support import fuzz_http
from tests.support.fuzz_runs import run_platform

CASES = 1000


@pytest.mark.timeout(240)
def test_a_thousand_hostile_requests_to_the_pages_and_probe():
    result = run_platform(CASES, random_seed=7)
    assert result["problems"] == [] and result["problem_count"] == 0, result
    assert (result["status_5xx"], result["hangs"], result["closed_without_answer"]) == (0, 0, 0)
    assert result["cases"] == CASES and result["serving_after"]
    assert set(result["by_kind"]) == set(fuzz_http.KINDS) and result["state_changes_forged"] == 0
    statuses = {int(s) for s in result["by_status"]}
    assert {200, 303, 400, 401, 404} <= statuses, result["by_status"]
