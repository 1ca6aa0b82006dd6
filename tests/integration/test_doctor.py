"""`simplex-stripe doctor` against the fake Stripe, seeded right and broken."""

import json
import subprocess
import sys

import pytest
import stripe
from click.testing import CliRunner

from platform_adapter.stripe_audit import load_catalog
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
    assert report["taxRates"][0]["percentage"] == 7.7 and report["taxRates"][0]["inclusive"] is False
    assert report["webhookEndpoints"][0]["missing_events"] == []


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
    endpoint = report["webhookEndpoints"][0]
    assert endpoint["missing_events"] == ["customer.subscription.deleted"]
    assert any("api_version is unset" in w for w in endpoint["warnings"])
    assert any("no active tax rate" in p for p in report["problems"])


def test_missing_endpoint_and_wildcard_endpoint(fake):
    base, client = fake
    code, report = doctor(base)
    assert code == 1 and any("no webhook endpoint" in p for p in report["problems"])
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": ["*"], "api_version": "2025-02-24.acacia"})
    code, report = doctor(base, "--webhook-url", HOOK)
    assert code == 0 and report["webhookEndpoints"][0]["api_version"] == "2025-02-24.acacia"


def test_loader_follows_pagination(fake):
    _, client = fake
    for n in range(120):
        product = client.v1.products.create({"name": f"p{n}", "metadata": {"accountType": "school", "interval": str(n + 2)}})
        client.v1.prices.create({"product": product.id, "currency": "eur", "unit_amount": 100 + n})
    report = load_catalog(client)
    assert len(report.products) == 123 and len(report.offered) == 123


def test_refused_key_and_unreachable_stripe_exit_2_without_leaking_the_key(fake):
    base, _ = fake
    result = CliRunner().invoke(main, ["doctor", "--api-key", "sk_live_wrong_mode_key_1", "--api-base", base])
    assert result.exit_code == 2 and "refused" in result.output and "sk_live_wrong" not in result.output
    result = CliRunner().invoke(main, ["doctor", "--api-key", KEY, "--api-base", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot reach Stripe" in result.output
    result = CliRunner().invoke(main, ["doctor", "--api-key", "pk_test_123"])
    assert result.exit_code == 2 and "secret key" in result.output


def test_doctor_as_a_subprocess_prints_tables(fake):
    base, client = fake
    client.v1.webhook_endpoints.create({"url": HOOK, "enabled_events": FOUR, "api_version": "2026-10-28.endive"})
    out = subprocess.run([sys.executable, "-m", "simplex_stripe", "doctor", "--api-key", KEY, "--api-base", base],
                         capture_output=True, text=True, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "1-month Professional Account" in out.stdout and "follows the guide" in out.stdout
    assert KEY not in out.stdout + out.stderr
