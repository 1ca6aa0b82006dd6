"""`simplex-stripe conformance`: tags, -k, reports, exit codes, from a directory outside the repo."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs `simplex-stripe conformance` as a subprocess

ROOT = Path(__file__).resolve().parents[2]


def conformance(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "simplex_stripe", "conformance", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)


def test_tags_reports_and_summary(tmp_path):
    result = conformance(tmp_path, "--tags", "@guide and not @stripe-api", "--junit-xml", "j.xml",
                         "--cucumber-json", "c.json")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-2:] == ["5 passed, 0 failed, 0 not applicable", "5 of 5 selected scenarios ran"]
    assert all(line.startswith("✅ Webhook signatures › ") for line in lines[:-2])
    cases = list(ET.parse(tmp_path / "j.xml").getroot().iter("testcase"))
    assert len(cases) == 5
    features = json.loads((tmp_path / "c.json").read_text())
    assert [f["name"] for f in features] == ["Webhook signatures"]
    assert {s["name"] for s in features[0]["elements"]} == {
        "Deliveries that Stripe did not sign are rejected and change nothing"}


def test_no_matching_scenario_and_bad_target_are_usage_errors(tmp_path):
    none = conformance(tmp_path, "-k", "there_is_no_such_scenario")
    assert none.returncode == 2 and "no scenario matches" in none.stderr
    bad = conformance(tmp_path, "--target", "ftp://staging")
    assert bad.returncode == 2 and "--target" in bad.stderr and "Traceback" not in bad.stderr


NOT_APPLICABLE_RUN = """
import sys
from simplex_stripe.cli import conformance as command
# The shipped features never skip on a target that passed the preflight; two stand-in scenarios do.
scenarios = sys.argv.pop(1)
command._pytest_args = lambda opts: [scenarios, "-p", "no:terminal", "-p", "no:cacheprovider", "-c", "/dev/null"]
command.conformance()
"""
SCENARIOS = """
import pytest
def test_checked(): pass
def test_waits_for_its_date(): pytest.skip("not applicable: needs the platform's clock at 2099-01-01 00:00")
"""


def test_the_summary_says_why_scenarios_did_not_run_and_require_all_fails_the_run(tmp_path):
    (tmp_path / "test_scenarios.py").write_text(SCENARIOS)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}

    def run(*args):
        return subprocess.run([sys.executable, "-c", NOT_APPLICABLE_RUN, str(tmp_path / "test_scenarios.py"), *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)

    lenient = run()
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert lenient.stdout.splitlines()[-3:] == [
        "1 passed, 0 failed, 1 not applicable", "1 of 2 selected scenarios ran",
        "  ➖ 1 not applicable: needs the platform's clock at 2099-01-01 00:00"]
    for flag in ("--require-all", "--fail-on-skip"):
        strict = run(flag)
        assert strict.returncode == 1, strict.stdout + strict.stderr
        assert strict.stderr.strip() == "--require-all: 1 selected scenario(s) not applicable"
