"""The features against a platform the harness did not start: the reference served on 127.0.0.1 like staging."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import stripe

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving

pytestmark = pytest.mark.slow  # runs `simplex-stripe conformance` against a served platform as a subprocess

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
    result = run(tmp_path, *args, "--junit-xml", str(junit))
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return result.returncode, outcomes, result.stdout


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simplex_stripe", "conformance", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "200"})


def test_without_a_stripe_api_only_the_scenarios_that_need_none_are_selected(staging, tmp_path):
    base, _ = staging
    code, outcomes, out = conformance(tmp_path, "--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN,
                                      "--tags", "not stripe-api", "--require-all")
    assert code == 0, out
    assert outcomes and set(outcomes.values()) == {"passed"}, outcomes
    assert any(name.startswith("test_deliveries_that_stripe_did_not_sign") for name in outcomes)
    assert "test_the_guides_endpoint_passes_the_check" not in outcomes
    assert out.splitlines()[-1] == f"{len(outcomes)} of {len(outcomes)} selected scenarios ran"


@pytest.mark.parametrize("mistake, option", [
    pytest.param({"--webhook-secret": None}, "--webhook-secret", id="no-secret"),
    pytest.param({"--probe-token": None}, "--probe-token", id="no-token"),
    pytest.param({"--probe-token": "wrong"}, "--probe-token", id="wrong-token"),
    pytest.param({"--webhook-secret": "whsec_not_the_platforms_secret"}, "--webhook-secret", id="wrong-secret"),
    pytest.param({"--target": "http://127.0.0.1:9"}, "--target", id="unreachable"),
    pytest.param({"--target": "{base}/elsewhere"}, "--target", id="no-probe-there"),
    pytest.param({"--stripe-api-key": None, "--stripe-api-base": None}, "--stripe-api-key", id="no-stripe-key"),
    pytest.param({"--stripe-api-key": "sk_test_not_the_key"}, "--stripe-api-key", id="wrong-stripe-key"),
    pytest.param({"--stripe-api-base": "http://127.0.0.1:9"}, "--stripe-api-base", id="stripe-unreachable"),
    pytest.param({"--target": "staging.example.com"}, "--target", id="not-a-url"),
])
def test_each_configuration_mistake_is_one_line_and_exit_2_before_any_scenario(staging, tmp_path, mistake, option):
    base, stripe_base = staging
    options = {"--target": base, "--webhook-secret": SECRET, "--probe-token": TOKEN,
               "--stripe-api-base": stripe_base, "--stripe-api-key": KEY}
    options.update({k: v.format(base=base) if v else v for k, v in mistake.items()})
    args = [part for key, value in options.items() if value for part in (key, value)]
    result = run(tmp_path, *args, "-k", "renewal_moves", "--junit-xml", "report.xml")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""  # no scenario ran
    report = tmp_path / "report.xml"
    assert not report.exists() or not list(ET.parse(report).getroot().iter("testcase"))


def test_a_bad_platform_factory_is_one_line_and_exit_2(tmp_path):
    result = run(tmp_path, "--platform-factory", "nosuch:thing")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == ["Error: --platform-factory 'nosuch:thing' cannot be imported: "
                                                  "No module named 'nosuch'"]


def test_a_broken_stripe_account_is_one_line_and_exit_2_naming_the_problem(staging, tmp_path):
    base, stripe_base = staging
    client = stripe.StripeClient(KEY, base_addresses={"api": stripe_base}, max_network_retries=0)
    second = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": False})
    try:
        result = run(tmp_path, "--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN,
                     "--stripe-api-base", stripe_base, "--stripe-api-key", KEY, "-k", "renewal_moves")
    finally:
        client.v1.tax_rates.update(second.id, {"active": False})
    assert result.returncode == 2 and result.stdout == "", result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "--stripe-api-key" in line and "2 active tax rates" in line and second.id in line, line


@pytest.fixture(scope="module")
def refetching(tmp_path_factory):
    """The reference in re-fetch mode, deployed with its own fake Stripe."""
    with FakeStripe(seed="guide", api_key=KEY).serving() as stripe_base:
        settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, probe_token=TOKEN, refetch_events=True,
                            stripe_api_base=stripe_base, data_dir=str(tmp_path_factory.mktemp("refetching")))
        app = create_app(settings)
        with serving(app) as base:
            yield base, stripe_base
        app.extensions["platform_adapter"].store.close()


def test_a_refetching_platform_passes_every_scenario(refetching, tmp_path):
    base, stripe_base = refetching
    code, outcomes, out = conformance(tmp_path, "--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN,
                                      "--stripe-api-base", stripe_base, "--stripe-api-key", KEY, "--require-all")
    assert code == 0, out[-3000:]
    assert len(outcomes) > 100 and set(outcomes.values()) == {"passed"}, outcomes
