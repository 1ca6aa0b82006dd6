"""Every delivery the project signs goes through `Signer.sign`: patched, it sees each path use it."""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simplex_stripe.cli.listen import Relay
from simulator.fake_stripe import FakeStripe
from simulator.load.lifecycle import UserStories
from simulator.load.options import LoadOptions
from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.delivery.signing import Signer
from steps import contract_steps, signature_steps

KEY = "sk_test_one_signer"
# One secret per path, so each call names the path that made it.
FAKE, FIRE, LOAD, LISTEN, STEPS = (f"whsec_one_signer_{path}_0123456789"
                                   for path in ("fake", "fire", "load", "listen", "steps"))


@pytest.fixture
def calls(monkeypatch):
    """(secrets, event id or None, header) of every signing, in order."""
    seen: list[tuple[tuple[str, ...], str | None, str]] = []
    real = Signer.sign

    def sign(self, body, event_id=None, *, at=None):
        headers = real(self, body, event_id, at=at)
        seen.append((tuple(self.secrets), event_id, headers["Stripe-Signature"]))
        return headers

    monkeypatch.setattr(Signer, "sign", sign)
    return seen


def signed_with(calls, secret: str) -> list[tuple]:
    return [c for c in calls if secret in c[0]]


def test_the_fakes_fan_out_and_events_resend_sign_through_the_signer(calls):
    receiver = VerifyingReceiver([])
    fake = FakeStripe(seed="empty", api_key=KEY)
    with serving(receiver) as sink, fake.serving() as base:
        client = stripe.StripeClient(KEY, base_addresses={"api": base}, max_network_retries=0)
        endpoint = client.v1.webhook_endpoints.create({"url": sink + "/hook", "enabled_events": ["customer.created"]})
        endpoint_secret = endpoint.secret
        receiver.secrets.append(endpoint_secret)
        customer = client.v1.customers.create({"email": "signer@example.com"})
        assert fake.wait_for_deliveries()
        (made,) = [c for c in calls if endpoint_secret in c[0]]
        event_id = made[1]
        result = CliRunner().invoke(main, ["events", "resend", event_id, "--api-base", base, "--api-key", KEY])
        assert result.exit_code == 0, result.output
        assert fake.wait_for_deliveries()
    fake.close()
    resent = [c for c in calls if endpoint_secret in c[0]]
    assert [c[1] for c in resent] == [event_id, event_id] and customer.id
    assert [r.verified for r in receiver.received] == [True, True]
    assert int(resent[1][2].split(",")[0][2:]) > int(resent[0][2].split(",")[0][2:])  # the redelivery rule


def test_fire_signs_through_the_signer(calls):
    result = CliRunner().invoke(main, ["fire", "first-purchase", "--secret", FIRE, "--local-receiver", "--json",
                                       "--seed", "one-signer"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [c[1] for c in signed_with(calls, FIRE)] == report["events"]


def test_fire_dry_run_signs_through_the_signer(calls):
    result = CliRunner().invoke(main, ["fire", "one-time-purchase", "--secret", FIRE, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    shown = [d["headers"]["Stripe-Signature"] for d in json.loads(result.stdout)]
    assert [c[2] for c in signed_with(calls, FIRE)] == shown


def test_trigger_signs_through_the_signer(calls):
    receiver = VerifyingReceiver([FIRE])
    with serving(receiver) as base:
        result = CliRunner().invoke(main, ["trigger", "invoice.paid", "--target", base, "--secret", FIRE, "--json"])
    assert result.exit_code == 0, result.output
    assert len(signed_with(calls, FIRE)) == len(receiver.received) > 0


def test_load_signs_through_the_signer(calls):
    stories = UserStories(LoadOptions(secrets=(LOAD,)), "w0/u0", clock=lambda: 1.8e9)
    deliveries = [stories.next_delivery() for _ in range(5)]
    assert [c[2] for c in signed_with(calls, LOAD)] == [d.headers["Stripe-Signature"] for d in deliveries]


def test_listen_signs_through_the_signer_with_the_decoy_and_the_redelivery_rule(calls):
    receiver = VerifyingReceiver([LISTEN])
    with serving(receiver) as base:
        relay = Relay(base + "/hook", LISTEN, echo=lambda line: None)
        relay.endpoint_secret = FAKE
        body = b'{"id": "evt_1oneSigner0000000000000", "object": "event", "type": "invoice.paid"}'
        for _ in range(2):
            assert relay.relay(body, Signer([FAKE]).sign(body)["Stripe-Signature"])[0] == 200
    forwarded = signed_with(calls, LISTEN)
    assert [c[1] for c in forwarded] == ["evt_1oneSigner0000000000000"] * 2
    assert all(",v0=" in c[2] for c in forwarded)
    assert int(forwarded[1][2].split(",")[0][2:]) > int(forwarded[0][2].split(",")[0][2:])
    assert [r.verified for r in receiver.received] == [True, True]


def test_the_steps_hand_made_deliveries_sign_through_the_signer(calls):
    target = SimpleNamespace(webhook_secret=STEPS, controls_clock=True)
    clock = SimpleNamespace(now=1_800_000_000)
    event = {"id": "evt_1stepsSigner00000000000", "object": "event", "type": "invoice.paid", "livemode": False}
    headers = contract_steps.signed(target, clock, b"{}")
    forgeries = ["the wrong secret", "a tampered body", "a timestamp 10 minutes old", "only a v0 signature",
                 "a header without t=", "upper-case hex"]
    for forgery in forgeries:
        signature_steps.forged(event, forgery, STEPS, clock.now)
    assert len(calls) == 1 + len(forgeries)
    assert calls[0][2] == headers["Stripe-Signature"] and calls[0][2].startswith("t=1800000000,")
    assert signed_with(calls, signature_steps.WRONG_SECRET) == [calls[1]]


def test_no_other_code_makes_a_stripe_signature():
    """Outside the signer, the code that sends deliveries neither computes an HMAC nor calls the SDK's header maker.

    (`platform_adapter` receives deliveries and only verifies them; its HMACs are its own session marks.)"""
    root = Path(__file__).resolve().parents[2]
    signer = root / "simulator" / "delivery" / "signing.py"
    found = []
    for package in ("simulator", "steps", "simplex_stripe", "benchmarks"):
        for path in (root / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path != signer and re.search(r"hmac\.new\(|generate_signature_header|\bdecoy_for\b|[^_]signature\(", text):
                found.append(str(path.relative_to(root)))
    assert not found, found
