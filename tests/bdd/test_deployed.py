"""The features against a platform the harness did not start: the reference served on 127.0.0.1 like staging."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.receiver import serving

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET, TOKEN = "sk_test_deployed_4242", "whsec_deployed_secret_0123456789", "deployed-probe-token"


@pytest.fixture(scope="module")
def staging(tmp_path_factory):
    """A 'deployed' platform and its Stripe account (the fake), served on 127.0.0.1."""
    with FakeStripe(seed="guide", api_key=KEY).serving() as stripe_base:
        settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, probe_token=TOKEN,
                            stripe_api_base=stripe_base, data_dir=str(tmp_path_factory.mktemp("staging")))
        app = create_app(settings)
        with serving(app) as base:
            yield base, stripe_base
        app.extensions["platform_adapter"].store.close()


def conformance(tmp_path: Path, *args: str) -> tuple[int, dict[str, str], str]:
    junit = tmp_path / "report.xml"
    result = subprocess.run([sys.executable, "-m", "simplex_stripe", "conformance", *args, "--junit-xml", str(junit)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env={
                                "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "200"})
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return result.returncode, outcomes, result.stdout


def test_deployed_with_a_stripe_api_runs_everything_but_clock_scenarios(staging, tmp_path):
    base, stripe_base = staging
    code, outcomes, out = conformance(tmp_path, "--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN,
                                      "--stripe-api-base", stripe_base, "--stripe-api-key", KEY)
    assert code == 0, out
    skipped = {name for name, outcome in outcomes.items() if outcome == "skipped"}
    assert skipped == {"test_expiry_needs_no_event_the_platforms_own_clock_ends_access"}
    assert "➖ Subscriptions: first purchase, renewal, plan change and cancellation › Expiry needs no event" in out
    assert "not applicable" in out and "failed" not in {o for o in outcomes.values()}
    assert sum(o == "passed" for o in outcomes.values()) >= 70


def test_deployed_without_a_stripe_api_reports_stripe_scenarios_not_applicable(staging, tmp_path):
    base, _ = staging
    code, outcomes, out = conformance(tmp_path, "--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN)
    assert code == 0, out
    passed = {name for name, outcome in outcomes.items() if outcome == "passed"}
    assert any(name.startswith("test_deliveries_that_stripe_did_not_sign") for name in passed)
    assert "test_the_guides_endpoint_passes_the_check" not in passed
    assert "needs a Stripe API" in out


def test_a_wrong_webhook_secret_fails_and_bad_options_are_usage_errors(staging, tmp_path):
    base, _ = staging
    code, outcomes, _ = conformance(tmp_path, "--target", base, "--webhook-secret", "whsec_not_the_platforms_secret",
                                    "--probe-token", TOKEN, "-k", "secret_rotation")
    assert code == 1 and set(outcomes.values()) == {"failed"}
    bad = subprocess.run([sys.executable, "-m", "simplex_stripe", "conformance", "--target", "staging.example.com"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "--target" in bad.stderr
