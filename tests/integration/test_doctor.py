"""`simplex-stripe doctor` against the fake Stripe, seeded right and broken."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import stripe
from click.testing import CliRunner

from platform_adapter.catalogue.loader import load_catalogue
from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe

KEY = "sk_test_doctor_key_4242"
HOOK = "https://meeting.example.com/api/v6/integrations/stripe/web-hooks"
FOUR = ["checkout.session.completed", "invoice.paid", "customer.subscription.updated", "customer.subscription.deleted"]


@pytest.fixture
def fake():
    fake = FakeStripe(seed="guide")
    with fake.serving() as base:
        yield base, stripe.StripeClient(KEY, base_addresses={"api": base})


def doctor(base: str, *extra: str):
    result = CliRunner().invoke(main, ["doctor", "--api-key", KEY, "--api-base", base, "--json", *extra])
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith("{") else result.output


def test_guide_configuration_passes(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    code, report = doctor(base)
    assert code == 0, report
    assert report["ok"] and report["problems"] == []
    assert {p["account_type"] for p in report["products"]} == {"professional", "business"}
    assert report["tax_rates"][0]["percentage"] == 7.7 and report["tax_rates"][0]["inclusive"] is False
    assert report["webhook_endpoints"][0]["missing_events"] == []


def test_a_broken_configuration_is_reported_with_exit_1(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR[:3]})
    bad = client.v1.products.create({"name": "Classroom", "metadata": {"AccountType": "classroom", "interval": "1"}})
    client.v1.prices.create({"product": bad.id, "currency": "usd", "unit_amount": 900,
                             "recurring": {"interval": "year"}})
    for rate in client.v1.tax_rates.list({"active": True}).data:
        client.v1.tax_rates.update(rate.id, {"active": False})
    code, report = doctor(base)
    assert code == 1
    broken = next(p for p in report["products"] if p["id"] == bad.id)
    assert not broken["valid"]
    assert any("'AccountType' must be spelled exactly 'accountType'" in m for m in broken["problems"])
    endpoint = report["webhook_endpoints"][0]
    assert endpoint["missing_events"] == ["customer.subscription.deleted"]
    assert any("api_version is unset" in w for w in endpoint["warnings"])
    assert any("no active tax rate" in p for p in report["problems"])


def test_missing_endpoint_and_wildcard_endpoint(fake):
    base, client = fake
    code, report = doctor(base)
    assert code == 1 and any("no webhook endpoint" in p for p in report["problems"])
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": ["*"], "api_version": "2025-02-24.acacia"})
    code, report = doctor(base, "--webhook-url", HOOK)
    assert code == 0 and report["webhook_endpoints"][0]["api_version"] == "2025-02-24.acacia"


def test_loader_follows_pagination(fake):
    _, client = fake
    for n in range(120):
        product = client.v1.products.create({"name": f"p{n}", "metadata": {"accountType": "school", "interval": str(n + 2)}})
        client.v1.prices.create({"product": product.id, "currency": "eur", "unit_amount": 100 + n})
    report = load_catalogue(client)
    assert len(report.products) == 123 and len(report.offered) == 123


def test_json_keys_have_one_casing(fake):
    base, _ = fake
    _, report = doctor(base)

    def keys(value):
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        return {k for v in value for k in keys(v)} if isinstance(value, list) else set()

    assert keys(report) and all(k == k.lower() for k in keys(report)), sorted(keys(report))


@pytest.mark.parametrize("args,code", [
    pytest.param([], "missing_api_key", id="no-key"),
    pytest.param(["--api-key", "pk_test_123"], "invalid_api_key", id="publishable-key"),
    pytest.param(["--api-key", "sk_live_wrong_mode_key_1"], "api_key_refused", id="refused"),
])
def test_json_errors_are_one_json_object_with_exit_2(fake, args, code):
    base, _ = fake
    result = CliRunner().invoke(main, ["doctor", "--api-base", base, "--json", *args], env={"STRIPE_API_KEY": None})
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["error"]["code"] == code and report["products"] == []
    assert "sk_live_wrong" not in result.output


def test_environment_gives_key_and_base_and_the_flag_wins(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    env = {"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": base}
    result = CliRunner().invoke(main, ["doctor", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    result = CliRunner().invoke(main, ["doctor", "--json", "--api-base", "http://127.0.0.1:9"], env=env)
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["code"] == "unreachable"


@pytest.fixture
def silent_port():
    """A port on 127.0.0.1 whose accept queue is full, so new connections hang like a black-holed address."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(listener.getsockname())
            fillers.append(s)
        time.sleep(0.2)
        try:
            yield listener.getsockname()[1]
        finally:
            for s in fillers:
                s.close()


def test_an_unreachable_api_is_reported_within_3_seconds(silent_port):
    started = time.monotonic()
    result = CliRunner().invoke(main, ["doctor", "--json"], env={
        "STRIPE_API_KEY": KEY, "STRIPE_API_BASE": f"http://127.0.0.1:{silent_port}"})
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["code"] == "unreachable"
    assert elapsed < 3, elapsed
    assert result.stderr.count("\n") == 1 and "cannot reach Stripe" in result.stderr


def test_version_is_printed():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("simplex-stripe ")


def test_refused_key_and_unreachable_stripe_exit_2_without_leaking_the_key(fake):
    base, _ = fake
    result = CliRunner().invoke(main, ["doctor", "--api-key", "sk_live_wrong_mode_key_1", "--api-base", base])
    assert result.exit_code == 2 and "refused" in result.output and "sk_live_wrong" not in result.output
    result = CliRunner().invoke(main, ["doctor", "--api-key", KEY, "--api-base", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach Stripe" in result.output
    result = CliRunner().invoke(main, ["doctor", "--api-key", "pk_test_123"])
    assert result.exit_code == 2 and "secret key" in result.output


@pytest.mark.slow
def test_doctor_as_a_subprocess_prints_tables(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    out = subprocess.run([sys.executable, "-m", "simplex_stripe", "doctor", "--api-key", KEY, "--api-base", base],
                         capture_output=True, text=True, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "1-month Professional Account" in out.stdout and "follows the guide" in out.stdout
    assert KEY not in out.stdout + out.stderr


def test_a_second_active_tax_rate_breaks_the_account(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    client.v1.tax_rates.create({"display_name": "VAT", "percentage": 7.7, "inclusive": False})
    code, report = doctor(base)
    assert code == 1 and len(report["tax_rates"]) == 2
    assert any("2 active tax rates" in p for p in report["problems"]), report["problems"]


@pytest.mark.parametrize("given", [True, False], ids=["with-webhook-url", "without"])
def test_the_path_rule_is_checked_whether_or_not_the_url_is_given(fake, given):
    base, client = fake
    wrong = "https://meeting.example.com/api/v6/integrations/stripe/web-hooks-old"
    client.v1.webhook_endpoints.create({"url": wrong, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    code, report = doctor(base, *(["--webhook-url", wrong] if given else []))
    assert code == 1
    if given:
        (endpoint,) = report["webhook_endpoints"]
        assert any("the guide's path is /api/v6/integrations/stripe/web-hooks" in p for p in endpoint["problems"])
    else:
        assert report["webhook_endpoints"] == [] and report["other_webhook_endpoints"] == [wrong]


class _Answering:
    """A one-thread HTTP server on 127.0.0.1: answers every request with `status`, or never answers."""

    def __init__(self, status: int | None) -> None:
        import http.server
        import threading
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                if status is None:
                    outer.release.wait(10)  # hang until the test ends
                    return
                body = b'{"error": {"type": "api_error", "message": "boom"}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.release = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.mark.parametrize("status, code", [(500, "stripe_error"), (503, "stripe_error"), (None, "unreachable")],
                         ids=["500", "503", "no-answer"])
def test_an_api_failing_or_not_answering_is_exit_2_one_line_within_3_seconds(status, code):
    with _Answering(status) as base:
        started = time.monotonic()
        result = CliRunner().invoke(main, ["doctor", "--json"], env={"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": base})
        elapsed = time.monotonic() - started
        plain = CliRunner().invoke(main, ["doctor"], env={"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": base})
    assert result.exit_code == 2 and plain.exit_code == 2, result.output
    assert json.loads(result.stdout)["error"]["code"] == code
    assert elapsed < 3, elapsed
    assert plain.output.count("\n") == 1 and "Traceback" not in plain.output, plain.output
