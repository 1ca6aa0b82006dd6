"""`simplex-stripe trigger EVENT|STORY`: make one event type (or a story) happen, with the events Stripe sends."""

import json
import os
import secrets as token_source
import sys
import time

import click

from simulator.story_names import ALIASES, BY_NAME, NAMES, help_block

from .connection import DEFAULT_API_BASE, api_key_option
from .errors import UsageProblem

NOWHERE = ("note: run on an engine in this process (no --api-base), so the objects these events name exist in no "
           "Stripe: a platform that retrieves them gets 404. Give --api-base and --api-key (the platform's Stripe, "
           "a fake) to make them there.")
from .fixtures import edits, with_edit_options


@click.command(epilog=help_block("STORY (instead of an EVENT) tells a story, after the stories it needs:"))
@click.argument("event_type", metavar="EVENT|STORY", required=False)
@click.option("--target", "--forward-to", "target",
              help="Deliver the events, signed with --secret, to this webhook URL (the engine runs in-process "
                   "unless --api-base is given).")
@click.option("--secret", "secrets", multiple=True, help="Signing secret whsec_… for --target; repeat for rotation.")
@click.option("--account", help="The account reference the requests carry (ACCOUNT_REF; default acct-demo).")
@click.option("--api-base", envvar="STRIPE_API_BASE", show_envvar=True,
              help=f"Run the requests on this running fake Stripe; its webhook endpoints (e.g. `listen`) deliver "
                   f"the events. Without --target the default is {DEFAULT_API_BASE}.")
@api_key_option
@with_edit_options
@click.option("--api-version", help="Payload shape of delivered events (a Stripe API version, 'current' or "
                                    "'pre-basil').")
@click.option("--seed", help="Seed for the in-process engine's ids (default: a fresh one, printed).")
@click.option("--list", "list_them", is_flag=True, help="List the supported event types and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report.")
def trigger(event_type, target, secrets, account, api_base, api_key, overrides, adds, removals, api_version, seed,
            list_them, as_json) -> None:
    """Trigger EVENT and the events Stripe sends with it, like `stripe trigger`.

    A script of API requests in Stripe CLI's fixture format, run on the fake's engine;
    --override checkout_session:metadata.accountRef=acct-7 edits one of them. A STORY runs its script of
    API actions on the same engine (`simplex-stripe sequences` lists the events each makes).
    """
    from simulator.errors import SimulatorError  # noqa: PLC0415
    from simulator.fixtures import ApiError  # noqa: PLC0415
    from simulator.triggers import trigger_names  # noqa: PLC0415
    if list_them:
        click.echo("\n".join(trigger_names()))
        return
    if not event_type:
        raise UsageProblem(f"name an event to trigger: {', '.join(trigger_names())}; or a story: {', '.join(NAMES)}")
    try:
        code = _trigger(event_type, target, list(secrets), account, api_base, api_key,
                        edits(overrides, adds, removals), api_version, seed, as_json)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    except ApiError as exc:
        raise click.ClickException(f"trigger step {exc.fixture!r}: {exc.request} failed: {exc}") from None
    sys.exit(code)


def _trigger(event_type, target, secrets, account, api_base, api_key, changes, api_version, seed, as_json) -> int:
    from simulator.backends import InProcess, OverHttp  # noqa: PLC0415
    from simulator.delivery.sender import WebhookSender  # noqa: PLC0415
    from simulator.delivery.signing import check_secret  # noqa: PLC0415
    from simulator.triggers import tell, trigger, trigger_text  # noqa: PLC0415
    from simulator.versions import resolve  # noqa: PLC0415
    story = event_type in BY_NAME or event_type in ALIASES
    if story and changes:
        raise UsageProblem("--override/--add/--remove edit an event trigger's requests; a story has none")
    if not story:
        trigger_text(event_type)  # an unknown event fails before anything runs
    sender = None
    if target:
        if not secrets:
            raise UsageProblem("--target needs --secret whsec_… (the platform's signing secret)")
        sender = WebhookSender(target, [check_secret(s) for s in secrets], _policy())
        sender.probe()
    elif secrets:
        raise UsageProblem("--secret signs deliveries to --target; without --target the fake's endpoints deliver")
    seed = seed or token_source.token_hex(4)
    if target and not api_base:
        click.echo(f"seed {seed}: replay this run with --seed {seed}", err=True)
        click.echo(NOWHERE, err=True)
        backend = InProcess(seed=f"trigger:{seed}", start=int(time.time()))
    else:
        backend = OverHttp(api_base or DEFAULT_API_BASE, api_key)
    environ = {**os.environ, **({"ACCOUNT_REF": account} if account else {})}
    if story:
        result = tell(backend, event_type, environ, resolve(api_version), seed=f"trigger:{seed}")
        if not as_json:
            click.echo(f"Telling story: {result.event_type}")
    else:
        result = trigger(backend, event_type, changes, environ, resolve(api_version))
    if not as_json:
        for step in result.steps:
            made = (step.response or {}).get("id") or "ok"
            click.echo(f"Running fixture for: {step.fixture.name}  {step.fixture.method.upper()} {step.path} → {made}")
    if not result.fired:
        click.echo(f"the engine made no {event_type} event: an --override or --remove changed the trigger",
                   err=True)
    if sender is None:
        return _report_made(result, api_base or DEFAULT_API_BASE, as_json)
    return _deliver(sender, result, as_json)


def _policy():
    from simulator.delivery.policy import DeliveryPolicy
    return DeliveryPolicy(retry="test", time_scale=0.001, timeout=10.0)


def _report_made(result, api_base: str, as_json: bool) -> int:
    """Without --target: the events the fake made (its endpoints deliver them)."""
    if as_json:
        click.echo(json.dumps({"fired": result.fired, "events": [_brief(e) for e in result.events]}, indent=2))
    else:
        for event in result.events:
            click.echo(f"  {event['id']}  {event['type']}")
        if result.fired:
            click.echo(f"Trigger succeeded! {len(result.events)} events made at {api_base}; its webhook "
                       "endpoints (e.g. `simplex-stripe listen`) deliver them.")
    return 0 if result.fired else 1


def _deliver(sender, result, as_json: bool) -> int:
    """With --target: deliver every event made, in order, and show the platform's answers."""
    from rich.console import Console  # noqa: PLC0415

    from .live import LiveDeliveries, print_report  # noqa: PLC0415
    console = Console(stderr=as_json)
    with LiveDeliveries(console, total=len(result.events), quiet=as_json) as live:
        sender.on_attempt = live.add
        report = sender.send(result.events)
    if as_json:
        click.echo(json.dumps({"fired": result.fired, "events": [_brief(e) for e in result.events],
                               **report.to_dict()}, indent=2))
    else:
        print_report(console, report)
    return 0 if report.ok and result.fired else 1


def _brief(event: dict) -> dict:
    return {"id": event["id"], "type": event["type"]}
