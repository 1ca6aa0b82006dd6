"""`simplex-stripe fake-stripe`: run the stateful fake Stripe API (test mode) until interrupted."""

import errno
import json
import secrets
import signal
import sys
import threading

import click

from simulator.delivery.policy import ORDERS, RETRY_PROFILES, DeliveryPolicy
from simulator.fake_stripe import FakeStripe
from simulator.fake_stripe.sandboxes import MODES
from simulator.api.context import TEST_KEY
from simulator.engine.seed import SEEDS
from simulator.versions import PROFILES, serve

from .connection import DEFAULT_PORT
from .errors import UsageProblem
from .traffic import LOG_FORMATS, TrafficLog


def _check_key(api_key: str | None) -> None:
    if api_key is not None and not TEST_KEY.match(api_key):
        raise UsageProblem(f"--api-key must be a test-mode secret key (sk_test_… or rk_test_…), got {api_key!r}")


def _version(value: str | None) -> str | None:
    if value is None:
        return None
    served = serve(PROFILES.get(value, value))
    # The account's default must be a version this fake knows (a request may ask for a newer one).
    if served is None or served.substituted:
        raise UsageProblem(f"--api-version {value!r} is not a published Stripe API version")
    return served.version


@click.command("fake-stripe")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port (0 picks a free one).")
@click.option("--seed", type=click.Choice(SEEDS), default="empty", show_default=True,
              help="Starting catalogue; `guide` has the guide's products, prices and VAT 7.7 %.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False),
              help="JSON file to resume from and save to (written atomically).")
@click.option("--api-key", help="Accept only this sk_test_ key (default: any sk_test_/rk_test_ key).")
@click.option("--sandboxes", type=click.Choice(MODES), default="on-first-use", show_default=True,
              help="on-first-use: any test key is a sandbox of its own, made on its first call; registered: only "
                   "the key printed at start and the keys POST /_sim/sandboxes makes (others get a 401).")
@click.option("--api-version", help="Account default API version ('pre-basil', 'current' or a date): for "
                                    "requests without Stripe-Version and endpoints without api_version.")
@click.option("--time-scale", type=click.FloatRange(min=0), default=0.001, show_default=True,
              help="Multiplies Stripe's webhook retry delays (1 = real time).")
@click.option("--delivery-order", type=click.Choice(ORDERS), default="in-order", show_default=True,
              help="Order of the webhooks one request or clock move makes (Stripe promises none): the engine's "
                   "order (cause before effect), shuffled, or reversed.")
@click.option("--delivery-seed", help="Seed for shuffled deliveries (default: a fresh one, printed).")
@click.option("--duplicates", type=click.IntRange(min=0), default=0, show_default=True,
              help="Deliver every event this many extra times (same event id).")
@click.option("--retry", type=click.Choice(list(RETRY_PROFILES)), default="test", show_default=True,
              help="Retry profile for failed deliveries: test (1 min, 1 h, 3 h), live (up to 3 days), none.")
@click.option("--json", "as_json", is_flag=True, help="Print the connection details (or --coverage) as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No request or delivery lines on stderr.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              help="Request and delivery lines on stderr: text, or one JSON object per line.")
@click.option("--coverage", is_flag=True, help="List the operations of Stripe's API the fake serves, per resource "
                                               "family, and exit.")
def fake_stripe(host, port, seed, state_file, api_key, sandboxes, api_version, time_scale, delivery_order, delivery_seed,
                duplicates, retry, as_json, quiet, log_format, coverage) -> None:
    """Run a stateful fake Stripe API with hosted Checkout, webhooks and time travel.

    Logs a line per API request and per webhook delivery attempt on stderr (-q for none).
    """
    if coverage:
        _coverage(as_json)
        return
    _check_key(api_key)
    version = _version(api_version)
    delivery = DeliveryPolicy(order=delivery_order, duplicates=duplicates, retry=retry, time_scale=time_scale,
                              seed=delivery_seed or secrets.token_hex(4))
    try:
        # A fresh id seed per start: two runs (or a restart) never hand out the same ids or whsec_ secrets.
        fake = FakeStripe(seed=seed, state_file=state_file, api_key=api_key, time_scale=time_scale,
                          id_seed=secrets.token_hex(8), delivery=delivery, sandboxes=sandboxes)
    except (OSError, ValueError) as exc:
        raise UsageProblem(f"--state {state_file}: cannot resume ({exc})") from None
    if version:
        fake.state.default_version = version
    if not quiet:
        traffic = TrafficLog(sys.stderr, log_format)
        fake.app = traffic.middleware(fake.app)
        fake.sandboxes.observe(traffic.delivery)
    try:
        serving = fake.serving(host, port)
        base = serving.__enter__()
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be opened ({exc.strerror})"
        raise UsageProblem(f"{host}:{port} {reason}; pass another --port") from None
    # SIGTERM (service managers, `timeout`) stops as cleanly as Ctrl-C, so the state file gets its last write.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _announce(fake, base, api_key, as_json)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        serving.__exit__(None, None, None)


def _coverage(as_json: bool) -> None:
    """Print served/spec operation counts per family (and the served and missing operations with --json)."""
    from simulator.api.app import served_operations
    from simulator.api.operations import coverage
    from simulator.spec import spec_version

    families = coverage(served_operations())
    if as_json:
        click.echo(json.dumps({"spec_version": spec_version(), "families": [
            {"family": f["family"], "served": [str(op) for op in f["served"]],
             "not_served": [str(op) for op in f["not_served"]]} for f in families]}))
        return
    click.echo(f"Operations of Stripe's API (spec {spec_version()}) the fake serves, per resource family:")
    width = max(len(f["family"]) for f in families)
    for f in families:
        click.echo(f"  {f['family']:<{width}}  {len(f['served']):>3} / {len(f['served']) + len(f['not_served'])}")
        for op in f["served"]:
            click.echo(f"      {op.method:<6} {op.template}")
    click.echo(f"  {'total':<{width}}  {sum(len(f['served']) for f in families):>3} / "
               f"{sum(len(f['served']) + len(f['not_served']) for f in families)}")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _announce(fake: FakeStripe, base: str, api_key: str | None, as_json: bool) -> None:
    key = api_key or "sk_test_" + secrets.token_hex(12)
    fake.sandboxes.bind(fake.default, key)  # the key shown reaches the default sandbox
    details = {
        "api_base": base, "secret_key": key,
        "publishable_key": "pk_test_" + secrets.token_hex(12), "hosted_checkout": f"{base}/c/pay/",
        "helpers": f"{base}/_sim/", "api_version": fake.state.default_version, "account": fake.state.account_id,
        "delivery": {"order": fake.delivery.order, "seed": str(fake.delivery.seed),
                     "duplicates": fake.delivery.duplicates, "retry": fake.delivery.retry},
    }
    if as_json:
        click.echo(json.dumps(details), nl=True)
        return
    click.echo(f"fake Stripe (test mode) listening on {base}")
    click.echo(f"  API base         {base}   (StripeClient(key, base_addresses={{'api': '{base}'}}))")
    others = {"on-first-use": "   (any other sk_test_ key is a sandbox of its own)",
              "registered": "   (POST /_sim/sandboxes makes more sandboxes, each with its key)"}
    click.echo(f"  secret key       {details['secret_key']}" + ("" if api_key else others[fake.sandboxes.mode]))
    click.echo(f"  publishable key  {details['publishable_key']}")
    click.echo(f"  hosted Checkout  {details['hosted_checkout']}<session id>")
    click.echo(f"  helpers          {details['helpers']}  (checkout/sessions/<id>/complete, clock/advance, reset, "
               "seed, deliveries; the secret key as Bearer)")
    click.echo(f"  API version      {details['api_version']}")
    click.echo(f"  webhooks         {_delivery_line(fake.delivery)}")
    click.echo("Press Ctrl-C to stop.")


def _delivery_line(policy: DeliveryPolicy) -> str:
    """The delivery options in one line, saying what the order means (Stripe promises none)."""
    order = {"in-order": "in the order the engine made them (cause before effect; Stripe promises no order)",
             "shuffled": f"shuffled per request, seed {policy.seed}",
             "reversed": "reversed per request"}[policy.order]
    extra = f", {policy.duplicates} duplicate(s) each" if policy.duplicates else ""
    return f"{order}{extra}, retry {policy.retry}   (POST /_sim/delivery changes this)"
