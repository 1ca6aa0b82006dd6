"""One model of Stripe: every sequence told both ways gives the same events.

Way 1: `fire --dry-run --json` (the story runs on an in-process engine). Way 2: the same actions through a
running fake Stripe's HTTP API with the official SDK plus the `/_sim` helpers, its events read back and
delivered by its own webhook fan-out. Same types, same order, same payloads apart from ids and timestamps,
in both payload shapes; every current-shape event validates strictly against the spec; every signature
verifies with `stripe.Webhook.construct_event`.
"""

import json
import re
from datetime import datetime, timezone

import pytest
import stripe
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import VerifyingReceiver, serving
from tests.support.openapi import require_spec
from simulator.stories import SEQUENCES, new_story
from simulator.versions import CURRENT, PRE_BASIL

pytestmark = pytest.mark.timeout(120)

SECRET = "whsec_one_model_0123456789"
START = 1769853600  # 2026-01-31T10:00:00Z
ID = re.compile(r"\b(?:cs_test|cus|sub|si|in|il|ii|pi|ch|pm|price|prod|txr|req|we|evt|txn|li|py|inpay|clock|test)_"
                r"[A-Za-z0-9]+")
# Invoice numbers start with a prefix Stripe derives per customer, so they differ with the customer's id.
NUMBER = re.compile(r"^[0-9A-F]{8}-\d{4}$")
# The SDK sends an Idempotency-Key with every POST; the prefix of invoice numbers derives from the customer id.
VARIES = {"idempotency_key", "invoice_prefix"}
STORIES = {f"{name}{'+' + '+'.join(f'{k}={v}' for k, v in options.items()) if options else ''}":
           ([*s.needs, name], options) for name, s in SEQUENCES.items() for options in s.variants}


def normalized(value, names: dict):
    """Ids become `<id N>` by first appearance (so references are still compared); times become offsets."""
    if isinstance(value, dict):
        return {k: ("<varies>" if k in VARIES else normalized(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalized(v, names) for v in value]
    if isinstance(value, str):
        if NUMBER.match(value):
            return "<number>" + value[-4:]
        return ID.sub(lambda m: names.setdefault(m.group(0), f"<id {len(names)}>"), value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 1_000_000_000:
        return value - names.setdefault("<start>", value)
    return value


def fired(names: list[str], version: str, options: dict) -> list[dict]:
    """Way 1: the bodies `fire --dry-run --json` prints; every signature verified with the SDK."""
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    result = CliRunner().invoke(main, ["fire", *names, "--secret", SECRET, "--dry-run", "--json", "--seed", "m",
                                       "--account", "acct-m", "--api-version", version, *flags,
                                       "--start", datetime.fromtimestamp(START, timezone.utc).isoformat()])
    assert result.exit_code == 0, result.output
    deliveries = json.loads(result.stdout)
    for d in deliveries:
        body = json.dumps(d["body"], indent=2)
        assert stripe.Webhook.construct_event(body, d["headers"]["Stripe-Signature"], SECRET).id == d["body"]["id"]
    return [d["body"] for d in deliveries]


def over_http(names: list[str], version: str, options: dict) -> tuple[list[dict], list]:
    """Way 2: the same actions on a served fake Stripe; its events, and what its fan-out delivered."""
    fake = FakeStripe(seed="empty", clock=lambda: START, time_scale=0)
    receiver = VerifyingReceiver([])
    with serving(receiver) as hook, fake.serving() as base:
        client = stripe.StripeClient("sk_test_one_model", base_addresses={"api": base}, max_network_retries=0)
        endpoint = client.v1.webhook_endpoints.create({"url": hook + "/hook", "enabled_events": ["*"],
                                                        "api_version": version})
        receiver.secrets.append(endpoint.secret)
        story = new_story(api_base=base, api_key="sk_test_one_model", seed="m", start=START, account="acct-m",
                          **options)
        events = story.run(names, version)
        assert fake.wait_for_deliveries(20)
    return events, receiver.received


@pytest.mark.parametrize("version", [CURRENT, PRE_BASIL], ids=["current", "pre-basil"])
@pytest.mark.parametrize("story", list(STORIES))
def test_every_sequence_both_ways(story, version):
    names, options = STORIES[story]
    one = fired(names, version, options)
    two, delivered = over_http(names, version, options)
    assert [e["type"] for e in one] == [e["type"] for e in two]
    assert normalized(one, {}) == normalized(two, {})
    assert all(e["api_version"] == version for e in one + two)
    # The fake's own fan-out delivered each story event, signed so that construct_event accepts it.
    assert {e["id"] for e in two} <= {r.event_id for r in delivered}
    assert all(r.verified for r in delivered)
    if version == CURRENT:
        validator = require_spec()
        for event in one:
            obj = event["data"]["object"]
            errors = validator.validate_object(event, "event") + validator.validate_object(obj, obj["object"])
            assert not errors, f"{event['type']}: {errors[:5]}"
