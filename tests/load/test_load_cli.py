"""`simplex-stripe load`: usage errors in-process; real Locust runs (a few seconds each) as subprocesses on 127.0.0.1 only.

Locust patches its process with gevent, so it never runs or is imported in the pytest process.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys

import pytest
import requests
import stripe
from click.testing import CliRunner

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.webhooks import WEBHOOK_PATH
from simplex_stripe.cli import main
from simplex_stripe.cli.load import read_summary
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving
from tests.support.processes import stop_process
from tests.support.sink import ScriptedSink

SECRET = "whsec_load_tests_0123456789"
KEY = "sk_test_load_tests_4242"
TOKEN = "load-probe-token"
LOAD = [sys.executable, "-m", "simplex_stripe", "load"]
# Locust needs a few seconds to start its users on a busy 2-core machine: a 1 s run may send nothing.
SHORT_RUN = "4s"
CHILD_TIMEOUT_S = 180  # Locust's start, the run, its shutdown and report, all slowed by a busy machine


def need_locust() -> None:
    """Skip without Locust locally; fail under CI=true, where the test extra installs it."""
    if importlib.util.find_spec("locust") is not None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Locust is required under CI (pip install '.[test]')")
    pytest.skip("Locust is not installed (pip install 'simplex-stripe[load]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(*args: str, timeout: float = CHILD_TIMEOUT_S) -> tuple[dict, str]:
    """Run `simplex-stripe load … --json` in a child; return its summary and its stderr (Locust's log)."""
    done = subprocess.run([*LOAD, *args, "--json"], capture_output=True, text=True, timeout=timeout)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return json.loads(done.stdout), done.stderr


@pytest.mark.parametrize("args, message", [
    pytest.param([], "--target URL is required", id="no-target"),
    pytest.param(["--target", "http://127.0.0.1:9/hook"], "--secret", id="no-secret"),
    pytest.param(["--target", "http://127.0.0.1:9/hook", "--secret", "whsec_x"], "malformed webhook secret",
                 id="bad-secret"),
    pytest.param(["--target", "ftp://example.com", "--secret", SECRET], "bad target URL", id="bad-url"),
    pytest.param(["--target", "http://127.0.0.1:9/hook", "--secret", SECRET], "is unreachable", id="unreachable"),
    pytest.param(["--target", "http://127.0.0.1:9/hook", "--secret", SECRET, "--run-time", "soon"], "--run-time",
                 id="run-time"),
    pytest.param(["--master", "--worker"], "exclude each other", id="master-and-worker"),
    pytest.param(["--target", "http://127.0.0.1:9/hook", "--secret", SECRET, "--api-version", "1999-01-01"],
                 "unknown API version", id="api-version"),
])
def test_usage_errors_are_one_line_and_exit_2_before_locust_starts(args, message):
    need_locust()
    result = CliRunner().invoke(main, ["load", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "locust" not in sys.modules and "gevent.monkey" not in sys.modules


def test_summary_reads_locusts_final_json(tmp_path):
    entry = {"name": "invoice.paid", "method": "POST", "num_requests": 10, "num_failures": 1, "start_time": 100.0,
             "last_request_timestamp": 102.0, "response_times": {"4": 6, "9": 3, "30": 1}}
    probe = {**entry, "name": "(probe) create account", "num_requests": 2, "num_failures": 0,
             "response_times": {"3": 2}}
    (tmp_path / "stats.json").write_text(json.dumps([entry, probe]))
    summary = read_summary(str(tmp_path / "stats.json"))
    assert (summary["requests"], summary["failures"], summary["events"]) == (12, 1, 10)
    assert summary["requests_per_s"] == 6.0 and summary["events_per_s"] == 5.0
    assert summary["rows"][0]["median_ms"] == 4.0 and summary["rows"][0]["p95_ms"] == 30.0
    assert read_summary(str(tmp_path / "missing.json")) is None


@pytest.fixture
def reference_platform(tmp_path):
    """The reference platform (SQLite, probe on) on 127.0.0.1, asking a fake Stripe (guide seed) for prices."""
    fake = FakeStripe(seed="empty", api_key=KEY, time_scale=0)
    catalogue = fake.load_seed("guide")["products"]
    with fake.serving() as stripe_base:
        settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, stripe_api_base=stripe_base,
                            probe_token=TOKEN, stripe_max_retries=0, data_dir=str(tmp_path / "data"),
                            sqlite_synchronous="NORMAL")
        app = create_app(settings)
        with serving(app) as base:
            yield base, catalogue
        app.extensions["platform_adapter"].store.close()


@pytest.mark.slow
def test_load_against_the_reference_platform_reports_requests_and_no_failures(reference_platform):
    need_locust()
    base, catalogue = reference_platform
    pro, biz = catalogue["professional_1m"], catalogue["business_1m"]
    summary, log = run_load(
        "--target", base + WEBHOOK_PATH, "--secret", SECRET, "--users", "3", "--spawn-rate", "10",
        "--run-time", "3s", "--accounts-per-user", "2", "--probe-token", TOKEN, "--order", "shuffled",
        "--duplicates", "1", "--price", pro["recurring"], "--product", pro["product"],
        "--new-price", biz["recurring"], "--new-product", biz["product"], "--seed", "platform")
    assert summary["failures"] == 0, summary["failure_reasons"]
    assert summary["events"] > 50 and summary["requests"] == summary["events"] + 6  # + 6 accounts via the probe
    assert "Traceback" not in log
    outcomes = requests.get(base + PROBE_PREFIX + "/events", headers={"Authorization": f"Bearer {TOKEN}"},
                            params={"limit": 10000}, timeout=10).json()["events"]
    counted = {o: sum(e["outcome"] == o for e in outcomes) for o in ("applied", "duplicate", "rejected")}
    assert counted["applied"] > 0 and counted["duplicate"] > 0 and counted["rejected"] == 0, counted


@pytest.mark.slow
def test_distributed_master_and_worker_on_localhost():
    need_locust()
    port = str(free_port())
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        worker = subprocess.Popen([*LOAD, "--worker", "--master-host", "127.0.0.1", "--master-port", port],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            summary, log = run_load("--master", "--expect-workers", "1", "--master-port", port, "--target",
                                    base + "/hook", "--secret", SECRET, "--users", "2", "--spawn-rate", "10",
                                    "--run-time", SHORT_RUN)
            worker_log = worker.communicate(timeout=60)[1]
        finally:
            stop_process(worker)
    assert worker.returncode == 0, worker_log[-2000:]
    assert "1 workers connected" in log
    assert summary["requests"] > 0 and summary["failures"] == 0
    assert all(r.verified for r in receiver.received)
    assert abs(len(receiver.received) - summary["requests"]) <= 4  # deliveries in flight when the run stopped


@pytest.mark.slow
def test_a_refusing_target_is_reported_with_its_reasons_and_exit_1():
    need_locust()
    with serving(ScriptedSink(script=[200, 500])) as base:  # first deliveries pass, redeliveries fail
        done = subprocess.run([*LOAD, "--target", base + "/hook", "--secret", SECRET, "--users", "1",
                               "--spawn-rate", "10", "--run-time", SHORT_RUN, "--duplicates", "1", "--json"],
                              capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
    summary = json.loads(done.stdout)
    assert done.returncode == 1 and 0 < summary["failures"] < summary["requests"]
    assert summary["failure_reasons"] and "500" in summary["failure_reasons"][0]["error"]


def test_without_locust_load_names_the_extra_in_one_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "locust" else real(name, *a))
    result = CliRunner().invoke(main, ["load", "--target", "http://127.0.0.1:9/hook", "--secret", SECRET])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "pip install '.[load]'" in result.output, result.output
