"""Checks before any scenario runs: each configuration mistake becomes one line naming the option to fix.

A deployed target is asked four things: the probe answers with the token, the webhook endpoint
accepts a delivery signed with the secret, and (when `@stripe-api` scenarios are selected) Stripe
accepts the key (which those scenarios require) and the account it opens passes the doctor's checks of
products and tax rates. A mistake found here would otherwise fail or skip every scenario.
"""

import secrets
import time

import requests
import stripe

from platform_adapter.stripe_audit import audit

from .errors import TargetError
from .guide_catalogue import GuidePlan
from .target import Target, TargetOptions, deployed_target, load_factory
from .timeline import Clock, Timeline

# Events of a kind every platform acknowledges and ignores: the ping changes no account.
PING_TYPE = "customer.created"
PLACEHOLDER = GuidePlan("professional_1m", "1-month Professional Account", "professional", 1,
                        "prod_conformance0001", "price_1Conformance0000000000001", "price_1Conformance0000000000002", 2900)


def preflight(options: TargetOptions, needs_stripe: int) -> Target | None:
    """The deployed target, checked; for the embedded one only the platform factory. TargetError names the option.

    `needs_stripe` is how many selected scenarios are `@stripe-api`.
    """
    if options.embedded:
        load_factory(options.platform_factory)
        return None
    target = deployed_target(options)
    if needs_stripe and target.stripe_client is None:
        # Run anyway, these scenarios would only be "not applicable": a green run that checked a fraction.
        raise TargetError(f"--stripe-api-key sk_test_… (the platform's Stripe account) is required by {needs_stripe} "
                          "selected @stripe-api scenario(s); or deselect them with --tags 'not stripe-api'")
    check_probe(target, options.target)
    check_webhook_secret(target)
    if needs_stripe:
        check_stripe(target)
        check_account(target)
    return target


def check_probe(target: Target, given: str) -> None:
    """The probe answers, and accepts the token."""
    try:
        status = target.probe.status("/events", params={"limit": 1})
    except requests.RequestException as exc:
        raise TargetError(f"--target {given}: cannot reach the platform ({type(exc).__name__})") from None
    if status == 401:
        raise TargetError("--probe-token: the platform refused the probe token (401)")
    if status == 404:
        raise TargetError(f"--target {given}: no conformance probe there (404); is the URL the platform's base URL, "
                          "and is its probe token configured?")
    if status != 200:
        raise TargetError(f"--target {given}: the probe answered {status}, not 200")


def check_webhook_secret(target: Target) -> None:
    """A signed event the platform must acknowledge (2xx): proves the endpoint is there and the secret is its own."""
    timeline = Timeline(target, f"conformance-preflight-{secrets.token_hex(4)}", Clock(int(time.time())), local=True)
    timeline.start(PLACEHOLDER)
    ping = next(e for e in timeline.run("first-purchase") if e["type"] == PING_TYPE)
    attempt = timeline.sender().attempt(ping, 1)
    if attempt.status is None:
        raise TargetError(f"--target: cannot deliver to {target.webhook_url} ({attempt.error.split(':')[0]})")
    if 200 <= attempt.status < 300:
        return
    if attempt.status == 400 and "signature" in attempt.response:
        raise TargetError("--webhook-secret: the platform refused the signature; "
                          "pass the signing secret its webhook endpoint verifies with")
    if attempt.status == 503:
        raise TargetError("--target: the platform has no webhook signing secret configured yet (503)")
    raise TargetError(f"--target: the webhook endpoint {target.webhook_url} answered {attempt.status} "
                      "to a signed event of a type it should acknowledge")


def check_stripe(target: Target) -> None:
    """Stripe answers at the API base and accepts the key."""
    where = target.stripe_api_base or "https://api.stripe.com"
    try:
        target.stripe_client.v1.products.list({"limit": 1})
    except stripe.AuthenticationError:
        raise TargetError("--stripe-api-key: Stripe refused the key (401)") from None
    except stripe.PermissionError:
        raise TargetError("--stripe-api-key: the key may not read products (403); use a secret key") from None
    except stripe.APIConnectionError:
        option = "--stripe-api-base" if target.stripe_api_base else "--stripe-api-key"
        raise TargetError(f"{option}: cannot reach Stripe at {where}") from None
    except stripe.StripeError as exc:
        raise TargetError(f"--stripe-api-key: Stripe at {where} answered {exc.http_status or 'an error'}") from None


def check_account(target: Target) -> None:
    """The platform's Stripe account follows the guide, as `simplex-stripe doctor` checks it (products, tax rates).

    Its webhook endpoints are the doctor's concern, not the harness's: the harness delivers the events itself.
    """
    try:
        found = audit(target.stripe_client)
    except stripe.StripeError as exc:
        raise TargetError(f"--stripe-api-key: Stripe answered {exc.http_status or 'an error'} while checking the "
                          "account's products and tax rates") from None
    problems = [p for p in found.problems if not p.startswith("no webhook endpoint")]
    problems += [f"{product.id}: {problem}" for product in found.catalogue.products
                 for problem in product.all_problems()]
    if problems:
        raise TargetError(f"--stripe-api-key: the platform's Stripe account breaks the guide (see simplex-stripe "
                          f"doctor): {'; '.join(problems)}")
