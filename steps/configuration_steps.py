"""Steps about the platform's configuration: its three keys checked, and loading the products."""

import secrets

import pytest
import requests
import stripe
from pytest_bdd import parsers, then, when

from .catalogue_steps import verdict
from .plugin import NOT_APPLICABLE
from .timeline import drives_stories


def own_keys(target) -> dict:
    """The keys of the platform's Stripe account as the harness knows them; a publishable key of the same mode."""
    mode = "live" if "_live_" in target.stripe_api_key else "test"
    return {"publishableKey": f"pk_{mode}_{secrets.token_hex(12)}", "secretKey": target.stripe_api_key,
            "webhookSecret": target.webhook_secret}


MISTAKES = {
    "no publishable key": lambda k: {**k, "publishableKey": ""},
    "the secret key in the publishable key's place": lambda k: {**k, "publishableKey": k["secretKey"]},
    "the publishable key in the secret key's place": lambda k: {**k, "secretKey": k["publishableKey"]},
    "a secret key Stripe does not know": lambda k: {**k, "secretKey": f"sk_test_{secrets.token_hex(12)}"},
    "a live publishable key and a test secret key": lambda k: {**k, "publishableKey": f"pk_live_{secrets.token_hex(12)}",
                                                               "secretKey": k["secretKey"].replace("_live_", "_test_")},
    "a signing secret without whsec_": lambda k: {**k, "webhookSecret": k["webhookSecret"].removeprefix("whsec_")},
    "a signing secret with a space in it": lambda k: {**k, "webhookSecret": k["webhookSecret"] + " x"},
}


@when("the platform checks the secret key, a publishable key and the signing secret of its Stripe account",
      target_fixture="key_check")
def _(target):
    return target.probe.check_configuration(own_keys(target))


UNKNOWN_KEY = "a secret key Stripe does not know"


def dropped_sandbox_key(target) -> str | None:
    """On a fake Stripe, which makes a sandbox for any new key, the key of a sandbox made and dropped at once:
    a key it refuses, as Stripe refuses a revoked one (None elsewhere: a random key is unknown there)."""
    if not drives_stories(target):
        return None
    base, auth = target.stripe_api_base.rstrip("/"), {"Authorization": f"Bearer {target.stripe_api_key}"}
    made = requests.post(f"{base}/_sim/sandboxes", data={"seed": "empty"}, headers=auth, timeout=10)
    if made.status_code != 201:
        return None
    requests.delete(f"{base}/_sim/sandboxes/{made.json()['id']}", headers=auth, timeout=10)
    return made.json()["secret_key"]


@when(parsers.parse("the platform checks the three keys with {mistake}"), target_fixture="key_check")
def _(target, mistake):
    keys = MISTAKES[mistake](own_keys(target))
    if mistake == UNKNOWN_KEY:
        keys["secretKey"] = dropped_sandbox_key(target) or keys["secretKey"]
        if stripe_accepts(target, keys["secretKey"]):
            pytest.skip(NOT_APPLICABLE + "the platform's Stripe accepts a key it never made (a fake Stripe that "
                        "makes a sandbox for any key; start it with --sandboxes registered)")
    return target.probe.check_configuration(keys)


def stripe_accepts(target, key: str) -> bool:
    """Whether the platform's Stripe answers a call made with `key` (real Stripe refuses a key it never made)."""
    if not target.stripe_api_base:
        return False
    client = stripe.StripeClient(key, base_addresses={"api": target.stripe_api_base}, max_network_retries=0)
    try:
        client.v1.products.list({"limit": 1})
    except stripe.AuthenticationError:
        return False
    return True


@then("the keys are accepted")
def _(key_check):
    assert key_check.status_code == 200 and key_check.json().get("ok") is True, key_check.text


@then(parsers.parse('the keys are refused for "{field}" with the code "{code}"'))
def _(key_check, field, code):
    error = key_check.json().get("error", {}) if key_check.status_code == 400 else {}
    assert error.get("code") == "keys_refused" and error.get("fields", {}).get(field) == code, \
        f"{key_check.status_code}: {key_check.text[:300]}"


@then("the guide's products are offered with their one-time and recurring prices")
def _(verdicts, guide_plans):
    for plan in guide_plans.values():
        found = verdict(verdicts, plan.product)
        assert found["valid"], (plan.name, found["problems"])
        assert {plan.one_time_price, plan.recurring_price} <= {p["id"] for p in found["prices"]}, (plan.name, found)
