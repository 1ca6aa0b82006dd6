"""One fake Stripe shared by several runs, as CI jobs share one: each key is its own account, so runs can't meet."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from pathlib import Path

import pytest

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.delivery.receiver import serving
from simulator.fake_stripe import FakeStripe

pytestmark = pytest.mark.slow  # two deployed conformance runs as subprocesses, side by side

ROOT = Path(__file__).resolve().parents[2]
SECRET, TOKEN = "whsec_shared_fake_0123456789", "shared-fake-probe-token"


def platform(stack: ExitStack, stripe_base: str, key: str, data: Path) -> str:
    """The reference platform on 127.0.0.1, configured with `key` on the shared fake; its base URL."""
    app = create_app(Settings(stripe_secret_key=key, webhook_secret=SECRET, probe_token=TOKEN,
                              stripe_api_base=stripe_base, data_dir=str(data)))
    stack.callback(app.extensions["platform_adapter"].store.close)
    return stack.enter_context(serving(app))


def start_conformance(cwd: Path, base: str, stripe_base: str, key: str, *extra: str) -> subprocess.Popen:
    args = ["--target", base, "--webhook-secret", SECRET, "--probe-token", TOKEN, "--stripe-api-base", stripe_base,
            "--stripe-api-key", key, "--junit-xml", str(cwd / "report.xml"), *extra]
    return subprocess.Popen([sys.executable, "-m", "simplex_stripe", "conformance", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "200"})


def outcomes(report: Path) -> dict[str, str]:
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        found[case.get("name")] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return found


@pytest.mark.timeout(900)
def test_two_runs_with_their_own_keys_pass_side_by_side_after_the_readmes_try_it(tmp_path):
    with ExitStack() as stack:
        # As a CI fleet would run it: only the keys the fake made reach it, so an unknown key is refused.
        fake = FakeStripe(seed="guide", sandboxes="registered")
        stripe_base = stack.enter_context(fake.serving())
        TRY_IT_KEY, *KEYS = (fake.sandboxes.create("guide")[1] for _ in range(3))
        # The README's "Try it" first, with a key of its own: a second VAT rate and products in its account only.
        tried = subprocess.run([sys.executable, "-m", "simplex_stripe", "fixtures",
                                str(ROOT / "examples/fixtures/guide-checkout-subscription.json"),
                                "--api-base", stripe_base, "--api-key", TRY_IT_KEY],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert tried.returncode == 0, tried.stdout + tried.stderr
        assert fake.sandbox(TRY_IT_KEY).state.store.count("tax_rate") == 2  # the guide's VAT and the file's
        runs = []
        for key in KEYS:
            folder = tmp_path / key
            folder.mkdir()
            base = platform(stack, stripe_base, key, folder / "data")
            runs.append((folder, start_conformance(folder, base, stripe_base, key, "--require-all")))
        for folder, process in runs:
            out, _ = process.communicate(timeout=800)
            found = outcomes(folder / "report.xml")
            assert process.returncode == 0, out[-4000:]
            assert found and "failed" not in found.values(), {k: v for k, v in found.items() if v == "failed"}
            assert sum(v == "passed" for v in found.values()) >= 100, out[-2000:]
        accounts = {fake.sandbox(key).state.account_id for key in (*KEYS, TRY_IT_KEY)}
        assert len(accounts) == 3


@pytest.mark.timeout(300)
def test_on_a_fake_that_makes_any_key_the_unknown_key_is_a_dropped_sandboxes(tmp_path):
    with ExitStack() as stack:
        fake = FakeStripe(seed="guide")  # on-first-use: every key reaches a sandbox
        stripe_base = stack.enter_context(fake.serving())
        key = "sk_test_shared_on_first_use"
        base = platform(stack, stripe_base, key, tmp_path / "data")
        before = len(fake.sandboxes.all())
        process = start_conformance(tmp_path, base, stripe_base, key, "-k", "wrong_key_is_refused and stripe_refused")
        out, _ = process.communicate(timeout=250)
        # The harness made a sandbox and dropped it at once: its key is one the fake refuses, as Stripe a revoked one.
        assert len(fake.sandboxes.all()) == before, [s.summary() for s in fake.sandboxes.all()]
    assert process.returncode == 0, out[-3000:]
    assert set(outcomes(tmp_path / "report.xml").values()) == {"passed"}, out[-3000:]


@pytest.mark.timeout(300)
def test_a_run_on_the_key_the_readmes_try_it_used_exits_2_naming_the_account_problem(tmp_path):
    with ExitStack() as stack:
        fake = FakeStripe(seed="guide")
        stripe_base = stack.enter_context(fake.serving())
        key = "sk_test_readme_try_it"
        tried = subprocess.run([sys.executable, "-m", "simplex_stripe", "fixtures",
                                str(ROOT / "examples/fixtures/guide-checkout-subscription.json"),
                                "--api-base", stripe_base, "--api-key", key],
                               capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert tried.returncode == 0, tried.stdout + tried.stderr
        base = platform(stack, stripe_base, key, tmp_path / "data")
        process = start_conformance(tmp_path, base, stripe_base, key, "--require-all")
        out, _ = process.communicate(timeout=250)
    assert process.returncode == 2, out[-3000:]
    lines = [line for line in out.strip().splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and "tax rate" in lines[0], out[-3000:]
