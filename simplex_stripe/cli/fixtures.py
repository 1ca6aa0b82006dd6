"""`simplex-stripe fixtures FILE.json`: run a Stripe CLI fixture file against the fake Stripe (or any API base)."""

import json
import os
from pathlib import Path

import click

from .connection import api_base_option, api_key_option
from .errors import UsageProblem

edit_options = (
    click.option("--override", "overrides", multiple=True, metavar="NAME:PATH=VALUE",
                 help="Change a param of a fixture's request, e.g. customer:email=x@example.com (repeatable)."),
    click.option("--add", "adds", multiple=True, metavar="NAME:PATH=VALUE",
                 help="Add a param to a fixture's request where it has none (repeatable)."),
    click.option("--remove", "removals", multiple=True, metavar="NAME:PATH",
                 help="Remove a param from a fixture's request (repeatable)."),


    click.option("--skip", "skips", multiple=True, metavar="NAME",
                 help="Do not run the fixture of this name (repeatable); a reference to it then fails."),
    click.option("--stripe-account", help="Send every request for this account (the Stripe-Account header)."),
)


def with_edit_options(command):
    """Add --override/--add/--remove/--skip/--stripe-account to a command."""
    for option in reversed(edit_options):
        command = option(command)
    return command


def edits(overrides, adds, removals) -> list:
    """The parsed --override/--add/--remove options."""
    from simulator.fixtures import parse_edit  # noqa: PLC0415
    return [*(parse_edit(t) for t in overrides), *(parse_edit(t, add=True) for t in adds),
            *(parse_edit(t, remove=True) for t in removals)]


@click.command()
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False))
@api_base_option
@api_key_option
@with_edit_options
@click.option("--api-version", help="Send every request with this Stripe-Version.")
@click.option("--json", "as_json", is_flag=True, help="Print every fixture's response as one JSON object.")
def fixtures(path, api_base, api_key, overrides, adds, removals, skips, stripe_account, api_version,
             as_json) -> None:
    """Run a fixture file in Stripe CLI's format (_meta, fixtures[] with name/path/method/params/headers/api_base,
    ${name:json.path|default}, ${.env:VAR}, a .env file, an env block) against the fake Stripe."""
    from simulator.errors import SimulatorError  # noqa: PLC0415
    from simulator.fixture_send import sdk_send  # noqa: PLC0415
    from simulator.fixtures import ApiError  # noqa: PLC0415
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from None
    try:
        responses = run_text(text, path, sdk_send(api_key, api_base, stripe_account, api_version),
                             edits(overrides, adds, removals), skips, None if as_json else print_step)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    except ApiError as exc:
        raise click.ClickException(f"fixture {exc.fixture!r}: {exc.request} answered {exc.status} "
                                   f"{exc.error_type}: {exc}") from None
    if as_json:
        click.echo(json.dumps(responses, indent=2))


def run_text(text: str, source: str, send, changes: list, skips, on_step, environ=None) -> dict:
    """Run a fixture file's text as Stripe CLI does: `.env` under the environment, edits, skips, then its `env`
    block written back to `.env` (when there is one)."""
    from simulator import dotenv  # noqa: PLC0415
    from simulator.fixtures import apply_edits, check_skips, env_updates, load, run  # noqa: PLC0415
    folder = Path.cwd()
    environ = dotenv.environment(os.environ if environ is None else environ, folder)
    document = load(text, source)
    plan = apply_edits(document.fixtures, changes)
    check_skips(plan, list(skips))
    responses = run(plan, send, environ, on_step=on_step, skip=tuple(skips))
    dotenv.update(folder / ".env", env_updates(document.env, responses, environ))
    return responses


def print_step(step) -> None:
    """Stripe CLI's line per fixture, with the request and the id it made."""
    if step.skipped:
        click.echo(f"Skipping fixture for: {step.fixture.name}")
        return
    made = (step.response or {}).get("id")
    outcome = f"expected {step.error_type}" if step.error_type else (made or "ok")
    click.echo(f"Running fixture for: {step.fixture.name}  {step.fixture.method.upper()} {step.path} → {outcome}")
