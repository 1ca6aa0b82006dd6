"""`fire --cassette` at the reference platform: a recorded story's events are applied and the account follows it.

As a team would: the stories are recorded against a Stripe account (a fake on 127.0.0.1), the platform asks
that same account about prices and sessions, and `fire --cassette` delivers what was recorded, newly signed.
"""

import json

import pytest
import requests
from click.testing import CliRunner

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.webhooks import WEBHOOK_PATH
from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.fidelity import cassette
from simulator.fidelity.scripts import ACCOUNT_REF, EMAIL, SCRIPTS
from simulator.periods import iso, shift_months
from simulator.delivery.receiver import serving

from .conftest import KEY

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]  # slow: seven stories told and fired
SECRET = "whsec_fidelity_platform_0123456789"
TOKEN = "fidelity-probe-token"
GUIDE_FOUR = {"checkout.session.completed", "invoice.paid", "customer.subscription.updated",
              "customer.subscription.deleted"}
# story -> (account type, auto-renewal) at the end of the story; paidUntil is read from the cassette.
EXPECTED = {
    "first-purchase": ("professional", True),
    "renewal": ("professional", True),
    "plan-change": ("business", True),
    "cancellation": ("professional", False),
    "cancel-now": ("professional", False),
    "failed-renewal": ("professional", True),  # past_due still renews (Stripe retries); paid only for period 1
    "one-time-purchase": ("professional", False),
}


@pytest.fixture(scope="module")
def account_and_cassette(tmp_path_factory):
    """Every story recorded against a fake that stays up, as the Stripe account the platform then talks to."""
    out = tmp_path_factory.mktemp("fire-platform") / "stories.json"
    fake = FakeStripe(seed="empty", api_key=KEY, time_scale=0)
    with fake.serving(host="127.0.0.1", port=0) as base:
        result = CliRunner().invoke(main, ["record", "all", "--api-key", KEY, "--api-base", base, "--out", str(out),
                                           "--settle", "0", "--event-timeout", "10", "--clock-timeout", "10"])
        assert result.exit_code == 0, result.output
        yield base, out


def paid_until(tape: dict, name: str) -> int:
    """Where the story's paid time ends, as the recorded events say: the latest paid period, cut at ended_at."""
    events = [e for step in cassette.story(tape, name)["steps"] for e in step["events"]]
    purchase = next(e for e in events if e["type"] == "checkout.session.completed")
    if purchase["data"]["object"]["mode"] == "payment":
        return shift_months(purchase["created"], 1)  # the one-time price is the 1-month Professional's
    end = max(line["period"]["end"] for e in events if e["type"] == "invoice.paid"
              for line in e["data"]["object"]["lines"]["data"] if line["amount"] > 0)
    ended = [e["data"]["object"]["ended_at"] for e in events if e["type"] == "customer.subscription.deleted"]
    return min([end, *ended])


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_a_recorded_story_fired_at_the_platform_is_applied(account_and_cassette, tmp_path, name):
    stripe_base, path = account_and_cassette
    tape = cassette.load(path)
    settings = Settings(stripe_secret_key=KEY, webhook_secret=SECRET, stripe_api_base=stripe_base,
                        probe_token=TOKEN, stripe_max_retries=0, data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    probe = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with serving(app) as base:
            made = requests.post(base + PROBE_PREFIX + "/accounts", json={"email": EMAIL, "id": ACCOUNT_REF},
                                 headers=probe, timeout=20)
            assert made.status_code == 201, made.text
            result = CliRunner().invoke(main, ["fire", "--cassette", str(path), "--cassette-story", name,
                                               "--target", base + WEBHOOK_PATH, "--secret", SECRET, "--json"])
            assert result.exit_code == 0, result.output
            report = json.loads(result.stdout)
            anchor = cassette.story(tape, name)["anchor"]
            account = requests.get(f"{base}{PROBE_PREFIX}/accounts/{ACCOUNT_REF}", params={"at": iso(anchor)},
                                   headers=probe, timeout=20).json()
            listed = requests.get(base + PROBE_PREFIX + "/events", params={"account": ACCOUNT_REF, "limit": 100},
                                  headers=probe, timeout=20).json()["events"]
    finally:
        app.extensions["platform_adapter"].store.close()
    recorded = [e for step in cassette.story(tape, name)["steps"] for e in step["events"]]
    assert report["ok"] and report["events"] == [e["id"] for e in recorded]
    outcomes = {a["event_id"]: json.loads(a["response"])["outcome"] for a in report["attempts"]}
    guide = [e for e in recorded if e["type"] in GUIDE_FOUR]
    assert guide and all(outcomes[e["id"]] == "applied" for e in guide), \
        [(e["type"], outcomes[e["id"]]) for e in guide]
    assert {e["id"] for e in guide} <= {e["id"] for e in listed}  # stored against the account
    account_type, auto_renew = EXPECTED[name]
    assert (account["accountType"], account["autoRenew"], account["paidUntil"]) == \
        (account_type, auto_renew, iso(paid_until(tape, name))), account
    assert account["active"] is (paid_until(tape, name) > anchor)
