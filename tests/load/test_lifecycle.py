"""The load user's pure parts: options, the lifecycle each account lives, signing (no Locust imported)."""

import sys

import pytest
import stripe

from simulator.errors import SimulatorError
from simulator.load.lifecycle import UserStories, lifecycle
from simulator.load.options import LoadOptions, add_arguments, from_namespace, to_argv, to_environ
from simulator.delivery.signing import Signer
from simulator.stories import SEQUENCES

SECRET = "whsec_load_tests_0123456789"


def types_of(names: list[str]) -> set[str]:
    return {t for name in names for t in SEQUENCES[name].emits}


def test_each_account_lives_a_whole_lifecycle_in_turn():
    stories = UserStories(LoadOptions(secrets=(SECRET,), accounts_per_user=2, renewals=1), "w0/u0", clock=lambda: 1.8e9)
    first = [stories.next_delivery().event for _ in range(len(stories.queue) or 1)]
    first += [stories.next_delivery().event for _ in range(len(stories.queue))]
    accounts = {e["data"]["object"].get("metadata", {}).get("accountRef") for e in first} - {None}
    assert accounts == {stories.refs[0]} and stories.rounds == 1
    assert first[0]["type"] == "charge.succeeded" and first[-1]["type"] == "customer.subscription.deleted"
    assert {e["type"] for e in first} <= types_of(lifecycle(1))
    second = stories.next_delivery().event
    assert stories.rounds == 2 and second["id"] not in {e["id"] for e in first}


def test_ids_and_references_differ_between_users_and_repeat_under_the_same_seed():
    options = LoadOptions(secrets=(SECRET,), seed="s")
    a, b, again = (UserStories(options, key, clock=lambda: 1.8e9) for key in ("w0/u0", "w1/u0", "w0/u0"))
    assert set(a.refs).isdisjoint(b.refs) and a.refs == again.refs
    assert a.next_delivery().event["id"] != b.next_delivery().event["id"]
    assert again.next_delivery().event["id"] == UserStories(options, "w0/u0").next_delivery().event["id"]


def test_duplicates_are_redelivered_later_and_every_signature_verifies():
    stories = UserStories(LoadOptions(secrets=(SECRET, "whsec_rotated_0123456789"), duplicates=1, order="shuffled"),
                          "w0/u0", clock=lambda: 1_800_000_000)
    seen: dict[str, list[int]] = {}
    for _ in range(40):
        delivery = stories.next_delivery()
        header = delivery.headers["Stripe-Signature"]
        t = int(header.split(",")[0][2:])
        stripe.WebhookSignature.verify_header(delivery.body.decode(), header, SECRET, tolerance=None)
        assert header.count("v1=") == 2 and ",v0=" in header
        seen.setdefault(delivery.event["id"], []).append(t)
    assert any(len(ts) == 2 for ts in seen.values())
    # The clock stands still, so a redelivery's later `t` comes from the redelivery rule alone.
    assert all(ts == sorted(set(ts)) for ts in seen.values())


def test_signer_signs_at_send_time():
    now = [1_800_000_000.0]
    signer = Signer((SECRET,), clock=lambda: now[0])
    event = {"id": "evt_1", "type": "invoice.paid"}
    _, first = signer.sign_event(event)
    now[0] += 50
    assert first["Stripe-Signature"].startswith("t=1800000000,")
    assert signer.sign_event(event)[1]["Stripe-Signature"].startswith("t=1800000050,")


def test_options_travel_through_locust_arguments_unchanged():
    import argparse

    class Parser(argparse.ArgumentParser):
        def add_argument(self, *args, include_in_web_ui=True, env_var=None, **kwargs):  # Locust's keywords
            assert include_in_web_ui is False
            if env_var:  # configargparse reads these from the environment
                kwargs["default"] = environ.get(env_var)
            return super().add_argument(*args, **kwargs)

    options = LoadOptions(secrets=(SECRET, "whsec_rotated_0123456789"), webhook_path="/hook?x=1", duplicates=2,
                          order="reversed", api_version="pre-basil", tax_inclusive=True, new_interval_months=12,
                          probe_token="tok", price="price_1")
    environ = to_environ(options)
    parser = Parser(add_help=False)
    add_arguments(parser)
    argv = to_argv(options)
    assert from_namespace(parser.parse_args(argv)) == options
    assert "tok" not in argv and not any("whsec_" in a for a in argv)  # secrets stay off the command line
    assert "locust" not in sys.modules


@pytest.mark.parametrize("bad, message", [
    pytest.param({"secrets": ("nope",)}, "malformed webhook secret", id="secret"),
    pytest.param({"secrets": ()}, "--secret", id="no-secret"),
    pytest.param({"order": "sideways"}, "unknown order", id="order"),
    pytest.param({"api_version": "1999-01-01"}, "unknown API version", id="version"),
    pytest.param({"accounts_per_user": 0}, "--accounts-per-user", id="accounts"),
])
def test_bad_options_are_refused(bad, message):
    with pytest.raises(SimulatorError, match=message):
        LoadOptions(**{"secrets": (SECRET,), **bad})
