"""`simplex-stripe fire` and `simplex-stripe sequences`."""

import json
import secrets as token_source
import sys
import time

import click

from simulator.delivery.policy import ORDERS, RETRY_PROFILES, DeliveryPolicy
from simulator.errors import SimulatorError
from simulator.periods import parse_iso
from simulator.delivery.sender import WebhookSender, check_url
from simulator.delivery.signing import check_secret, encode
from simulator.stories import SEQUENCES, get_sequence, new_story
from simulator.worlds import load_story, save_story
from simulator.story_names import BY_NAME, help_block
from simulator.versions import resolve

from .answers import parse_expect, surprises, tally
from .errors import UsageProblem
from .plan_options import plan_options

WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"
NOWHERE = ("note: told on an engine in this process, so the sessions, invoices and subscriptions these events "
           "name exist in no Stripe: a platform that retrieves them gets 404. Give --stripe-api-base and "
           "--stripe-api-key (the platform's Stripe, a fake) to tell the story there.")


def _start(value: str | None) -> int:
    if value is None:
        return int(time.time())
    try:
        return parse_iso(value)
    except ValueError:
        raise UsageProblem(f"--start {value!r} is not an ISO 8601 time (e.g. 2026-01-31T09:00:00Z)") from None


@click.command(epilog=help_block("SEQUENCE is a story (its events: `simplex-stripe sequences`):"))
@click.argument("sequence_names", metavar="SEQUENCE...", nargs=-1)
@click.option("--target", help="Webhook URL to POST to (required unless --dry-run).")
@click.option("--secret", "secrets", multiple=True, help="Webhook signing secret whsec_…; repeat for rotation.")
@click.option("--account", help="Account reference: client_reference_id and metadata.accountRef.")
@click.option("--email", default="jane@example.com", show_default=True, help="Customer e-mail.")
@click.option("--checkout-session",
              help="Use this Checkout Session id (made through the Stripe API) for the purchase.")
@plan_options
@click.option("--order", type=click.Choice(ORDERS), default="in-order", show_default=True)
@click.option("--seed", help="Seed for ids and shuffles (default: a fresh one, printed, so ids never repeat).")
@click.option("--duplicates", type=int, default=0, show_default=True, help="Redeliver each event N more times.")
@click.option("--retry", type=click.Choice(list(RETRY_PROFILES)), default="test", show_default=True)
@click.option("--time-scale", type=float, default=0.001, show_default=True,
              help="Multiplies Stripe's retry delays (1 = real time).")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per attempt.")
@click.option("--concurrency", type=int, default=1, show_default=True)
@click.option("--start", help="Simulated start time, ISO 8601 (default: now).")
@click.option("--world", "world_file", type=click.Path(dir_okay=False),
              help="Save and resume the story (the engine's whole state) here.")
@click.option("--stripe-api-base", envvar="STRIPE_API_BASE", show_envvar=True,
              help="Tell the story on the platform's Stripe, this running fake Stripe, so every object an event "
                   "names can be retrieved there (default: an engine in this process, whose objects exist nowhere).")
@click.option("--stripe-api-key", envvar="STRIPE_API_KEY", default="sk_test_simplex_fire", show_default=True,
              show_envvar=True, help="The platform's secret key for --stripe-api-base.")
@click.option("--cassette", type=click.Path(dir_okay=False),
              help="Deliver the events a recorded cassette holds (newly signed) instead of telling SEQUENCEs; "
                   "example:STORY names a shipped one.")
@click.option("--cassette-story", "cassette_stories", multiple=True,
              help="Only this story of --cassette (repeatable; default: every story).")
@click.option("--local-receiver", is_flag=True,
              help="Start a receiver on 127.0.0.1 that verifies each delivery with the SDK, and fire at it.")
@click.option("--dry-run", is_flag=True, help="Print events and headers; send nothing.")
@click.option("--expect", metavar="OUTCOME[,OUTCOME…]",
              help="Exit 1 unless each event's first answer is one of these outcomes (applied, ignored, pending, "
                   "rejected, acknowledged) and each redelivery is `duplicate`.")
@click.option("--strict", is_flag=True, help="Same as --expect applied,ignored,pending: nothing rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report.")
def fire(sequence_names, target, secrets, world_file, local_receiver, dry_run, as_json, **opts) -> None:
    """Fire signed, realistic Stripe event sequences at a webhook URL."""
    if bool(sequence_names) == bool(opts["cassette"]):
        raise UsageProblem("name SEQUENCEs or give --cassette (one of the two)")
    if opts["cassette"] and not _given(click.get_current_context(), "stripe_api_base"):
        opts["stripe_api_base"] = None  # STRIPE_API_BASE in the environment is for stories; a cassette needs none
    opts["expected"] = _expected(opts.pop("expect"), opts.pop("strict"))
    # A resumed world goes on with its own seed; a new one gets a fresh seed, so ids never repeat across runs.
    saved = load_story(world_file) if world_file and not opts["seed"] else None
    opts["fresh_seed"] = not opts["seed"] and not saved
    opts["seed"] = opts["seed"] or (saved.cast.seed if saved else token_source.token_hex(4))
    try:
        if local_receiver:
            code = _fire_at_local_receiver(list(sequence_names), target, list(secrets), world_file,
                                           dry_run, as_json, opts)
        else:
            code = _fire(list(sequence_names), target, list(secrets), world_file, dry_run, as_json, opts)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    sys.exit(code)


def _fire(names, target, secrets, world_file, dry_run, as_json, opts) -> int:
    for name in names:
        get_sequence(name)
    if not secrets:
        raise UsageProblem("--secret whsec_… is required")
    for secret in secrets:
        check_secret(secret)
    if not dry_run:
        if not target:
            raise UsageProblem("--target URL is required (or use --dry-run)")
        check_url(target)
    version = resolve(opts["api_version"])
    policy = DeliveryPolicy(order=opts["order"], duplicates=opts["duplicates"], retry=opts["retry"],
                            time_scale=opts["time_scale"], timeout=opts["timeout"],
                            concurrency=opts["concurrency"], seed=opts["seed"])
    if opts["cassette"]:
        return _fire_events(_recorded(opts, world_file), target, secrets, policy, dry_run, as_json, opts)
    if world_file and opts["stripe_api_base"]:
        raise UsageProblem("--world saves an in-process story; a fake Stripe at --stripe-api-base keeps its own state")
    if opts["stripe_api_base"]:
        check_url(opts["stripe_api_base"])
    story = load_story(world_file) if world_file else None
    if story is not None:
        _refuse_world_options()
    story = story or _story(opts)
    if opts["checkout_session"]:
        story.checkout_session = opts["checkout_session"]
    sender = WebhookSender(target or "http://127.0.0.1/dry-run", secrets, policy)
    if not dry_run:
        sender.probe()  # before the story runs: a story told on a running fake Stripe cannot be taken back
    events = story.run(names, version)
    if opts["fresh_seed"]:
        click.echo(f"seed {opts['seed']}: replay this run with --seed {opts['seed']}", err=True)
    if not opts["stripe_api_base"]:
        click.echo(NOWHERE, err=True)
    code = _fire_events(events, target, secrets, policy, dry_run, as_json, opts, sender)
    if world_file and not dry_run:
        save_story(story, world_file)
    return code


def _recorded(opts: dict, world_file: str | None) -> list[dict]:
    """The events of a recorded cassette's stories, in the order they happened."""
    from simulator.fidelity import cassette, examples
    from simulator.fidelity.errors import FidelityError

    if world_file or opts["stripe_api_base"]:
        raise UsageProblem("--cassette delivers recorded events; drop --world/--stripe-api-base")
    try:
        tape = cassette.load(examples.resolve(opts["cassette"]))
        stories = [cassette.story(tape, name) for name in opts["cassette_stories"]] or tape["stories"]
    except FidelityError as exc:
        raise UsageProblem(str(exc)) from None
    return [event for story in stories for step in story["steps"] for event in step["events"]]


def _fire_events(events, target, secrets, policy, dry_run, as_json, opts, sender=None) -> int:
    """Deliver events (signed at send time) with the policy's order, duplicates and retries; report."""
    if sender is None:
        sender = WebhookSender(target or "http://127.0.0.1/dry-run", secrets, policy)
        if not dry_run:
            sender.probe()
    if dry_run:
        _print_dry_run(sender, policy.schedule(events), as_json)
        return 0
    from rich.console import Console  # sending only: --dry-run starts without rich

    from .live import LiveDeliveries, print_report
    console = Console(stderr=as_json)
    with LiveDeliveries(console, total=len(events) * (1 + policy.duplicates), quiet=as_json) as live:
        sender.on_attempt = live.add
        report = sender.send(events)
    unexpected = surprises(report, opts["expected"]) if opts["expected"] else None
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "seed": opts["seed"], "outcomes": dict(tally(report)),
                               "unexpected": [_surprise_json(s) for s in unexpected or ()],
                               "events": [e["id"] for e in events]}, indent=2))
    else:
        print_report(console, report, unexpected)
    return 0 if report.ok and not unexpected else 1


def _expected(expect: str | None, strict: bool) -> frozenset[str] | None:
    if expect and strict:
        raise UsageProblem("use --expect or --strict, not both")
    try:
        return parse_expect("applied,ignored,pending" if strict else expect) if (expect or strict) else None
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def _surprise_json(found) -> dict:
    return {"event": found.attempt.event_id, "type": found.attempt.type, "outcome": found.verdict,
            "expected": found.wanted}


# Options that shape a new world; a resumed world keeps its own.
WORLD_OPTIONS = ("account", "email", "price", "product", "new_price", "new_product", "account_type",
                 "new_account_type", "interval_months", "new_interval_months", "currency", "amount", "tax_rate",
                 "tax_inclusive", "start")


def _refuse_world_options() -> None:
    ctx = click.get_current_context()
    given = [name for name in WORLD_OPTIONS
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UsageProblem(f"--world resumes a saved story with its own plan and account; drop {flags} "
                           "or use a new world file")


def _fire_at_local_receiver(names, target, secrets, world_file, dry_run, as_json, opts) -> int:
    if target or dry_run:
        raise UsageProblem("--local-receiver starts its own target; drop --target/--dry-run")
    for secret in secrets:
        check_secret(secret)
    from simulator.delivery.receiver import VerifyingReceiver, serving
    receiver = VerifyingReceiver(secrets)
    with serving(receiver) as base:
        code = _fire(names, base + WEBHOOK_PATH, secrets, world_file, False, as_json, opts)
    verified = sum(r.verified for r in receiver.received)
    click.echo(f"local receiver: {verified} of {len(receiver.received)} deliveries verified with "
               "stripe.Webhook.construct_event", err=as_json)
    return code if verified == len(receiver.received) else 1


def _story(opts: dict):
    return new_story(
        api_base=opts["stripe_api_base"], api_key=opts["stripe_api_key"],
        seed=opts["seed"], start=_start(opts["start"]), email=opts["email"], account=opts["account"],
        account_type=opts["account_type"], new_account_type=opts["new_account_type"],
        interval_months=opts["interval_months"], new_interval_months=opts["new_interval_months"],
        currency=opts["currency"], amount=opts["amount"], price=opts["price"], product=opts["product"],
        new_price=opts["new_price"], new_product=opts["new_product"], tax_rate=opts["tax_rate"],
        tax_inclusive=opts["tax_inclusive"])


def _print_dry_run(sender: WebhookSender, deliveries: list[dict], as_json: bool) -> None:
    signed = [{"headers": sender.signer.sign_event(e)[1], "body": e} for e in deliveries]
    if as_json:
        click.echo(json.dumps(signed, indent=2))
        return
    for item in signed:
        click.echo(f"POST {sender.url}")
        for key, value in item["headers"].items():
            click.echo(f"{key}: {value}")
        click.echo()
        click.echo(encode(item["body"]).decode())
        click.echo()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sequences(as_json: bool) -> None:
    """List the sequences and the events the engine makes for each."""
    rows = [{"name": s.name, "aliases": list(BY_NAME[s.name].aliases), "summary": s.summary, "emits": list(s.emits)}
            for s in SEQUENCES.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.console import Console

    from .tables import Rows
    table = Rows("simplex-stripe sequences", "sequence", "what happens", "events")
    for row in rows:
        name = "\n".join([row["name"], *(f"(alias {alias})" for alias in row["aliases"])])
        table.add(name, row["summary"], "\n".join(row["emits"]))
    table.print(Console())


def _given(ctx: click.Context, name: str) -> bool:
    """Whether an option was typed on the command line (not taken from the environment or its default)."""
    return ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
