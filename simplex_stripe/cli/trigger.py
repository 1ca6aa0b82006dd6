"""`simplex-stripe trigger EVENT|STORY`: make one event type (or a story) happen, with the events Stripe sends."""

import json
import os
import secrets as token_source
import sys
import time
from pathlib import Path

import click

from simulator.story_names import ALIASES, BY_NAME, NAMES, help_block

from .connection import DEFAULT_API_BASE, api_key_option
from .errors import UsageProblem
from .fixtures import edits, print_step, with_edit_options

NOWHERE = ("note: run on an engine in this process (no --api-base), so the objects these events name exist in no "
           "Stripe: a platform that retrieves them gets 404. Give --api-base and --api-key (the platform's Stripe, "
           "a fake) to make them there.")


@click.command(epilog=help_block("STORY (instead of an EVENT) tells a story, after the stories it needs:"))
@click.argument("event_type", metavar="EVENT|STORY", required=False)
@click.option("--raw", help="Run this fixture JSON (Stripe CLI's format) instead of EVENT's.")
@click.option("--edit", is_flag=True, help="Open EVENT's fixture in $EDITOR (a temporary copy) and run what is saved.")
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
def trigger(event_type, raw, edit, target, secrets, account, api_base, api_key, overrides, adds, removals, skips,
            stripe_account, api_version, seed, list_them, as_json) -> None:
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
    if not event_type and not raw:
        raise UsageProblem(f"name an event to trigger: {', '.join(trigger_names())}; or a story: {', '.join(NAMES)}")
    try:
        story = not raw and (event_type in BY_NAME or event_type in ALIASES)
        plan = None if story else _plan(event_type, raw, edit)
        changes = edits(overrides, adds, removals)
        if story and (changes or skips or edit):
            raise UsageProblem("--override/--add/--remove/--skip/--edit change an event trigger's requests; a story "
                               "has none")
        if edit and (changes or skips):
            click.echo("Warning: --edit cannot be used with --add, --remove, --override, or --skip. Skipping those "
                       "flags...", err=True)
            changes, skips = [], ()
        code = _trigger(plan, event_type, target, list(secrets), account, api_base, api_key, changes, tuple(skips),
                        stripe_account, api_version, seed, as_json)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    except ApiError as exc:
        raise click.ClickException(f"trigger step {exc.fixture!r}: {exc.request} failed: {exc}") from None
    sys.exit(code)


def _plan(event_type, raw, edit):
    """What to run: --raw's JSON, else EVENT's fixture (or the file EVENT names), edited first with --edit."""
    from simulator.triggers import Plan, plan_for  # noqa: PLC0415
    plan = Plan(None, raw, "--raw") if raw else plan_for(event_type)
    if edit:
        edited = click.edit(plan.text, extension=".json", require_save=False)
        plan = Plan(plan.event_type, plan.text if edited is None else edited, f"{plan.source} (edited)")
    return plan


def _trigger(plan, story_name, target, secrets, account, api_base, api_key, changes, skips, stripe_account,
             api_version, seed, as_json) -> int:
    from simulator import dotenv  # noqa: PLC0415
    from simulator.backends import InProcess, OverHttp  # noqa: PLC0415
    from simulator.delivery.sender import WebhookSender  # noqa: PLC0415
    from simulator.delivery.signing import check_secret  # noqa: PLC0415
    from simulator.fixture_send import sdk_send  # noqa: PLC0415
    from simulator.triggers import tell, trigger  # noqa: PLC0415
    from simulator.versions import resolve  # noqa: PLC0415
    story = plan is None
    sender = None
    if target:
        if not secrets:
            raise UsageProblem("--target needs --secret whsec_… (the platform's signing secret)")
        sender = WebhookSender(target, [check_secret(s) for s in secrets], _policy())
        sender.probe()
    elif secrets:
        raise UsageProblem("--secret signs deliveries to --target; without --target the fake's endpoints deliver")
    api = None
    seed = seed or token_source.token_hex(4)
    if target and not api_base:
        if stripe_account:
            raise UsageProblem("--stripe-account needs a running fake (--api-base); the in-process engine has one "
                               "account")
        click.echo(f"seed {seed}: replay this run with --seed {seed}", err=True)
        click.echo(NOWHERE, err=True)
        backend = InProcess(seed=f"trigger:{seed}", start=int(time.time()))
    else:
        backend = OverHttp(api_base or DEFAULT_API_BASE, api_key)
        # Through the SDK's client for each request: a fixture may carry its own headers (a pinned Stripe-Version).
        api = sdk_send(api_key, api_base or DEFAULT_API_BASE, stripe_account)
    environ = dotenv.environment({**os.environ, **({"ACCOUNT_REF": account} if account else {})}, Path.cwd())
    if story:
        result = tell(backend, story_name, environ, resolve(api_version), seed=f"trigger:{seed}")
        if not as_json:
            click.echo(f"Telling story: {result.event_type}")
    else:
        result = trigger(backend, plan, changes, environ, resolve(api_version), skips, api)
    if not as_json:
        for step in result.steps:
            print_step(step)
    if not result.fired:
        made = f"no {result.event_type} event" if result.event_type else "no event"
        click.echo(f"the engine made {made}: an --override, --remove or --skip changed the trigger", err=True)
    if sender is None:
        return _report_made(result, api_base or DEFAULT_API_BASE, as_json)
    return _deliver(sender, result, as_json)


def _policy():
    from simulator.delivery.policy import DeliveryPolicy  # noqa: PLC0415
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
