"""`simplex-stripe fixtures FILE.json`: run a Stripe CLI fixture file against the fake Stripe (or any API base)."""

import json
import os

import click

from .connection import api_base_option, api_key_option, client_for, stripe_failure
from .errors import UsageProblem

edit_options = (
    click.option("--override", "overrides", multiple=True, metavar="NAME:PATH=VALUE",
                 help="Change a param of a fixture's request, e.g. customer:email=x@example.com (repeatable)."),
    click.option("--add", "adds", multiple=True, metavar="NAME:PATH=VALUE",
                 help="Add a param to a fixture's request (repeatable)."),
    click.option("--remove", "removals", multiple=True, metavar="NAME:PATH",
                 help="Remove a param from a fixture's request (repeatable)."),
)


def with_edit_options(command):
    """Add --override/--add/--remove to a command."""
    for option in reversed(edit_options):
        command = option(command)
    return command


def edits(overrides, adds, removals) -> list:
    """The parsed --override/--add/--remove options."""
    from simulator.fixtures import parse_edit  # noqa: PLC0415
    return [*(parse_edit(t) for t in (*overrides, *adds)), *(parse_edit(t, remove=True) for t in removals)]


def sdk_send(client, api_base: str):
    """A fixture runner's `send` through the official SDK's raw requests; API errors become ApiError."""
    import stripe  # noqa: PLC0415

    from simulator.fixtures import ApiError  # noqa: PLC0415

    def send(method: str, path: str, params: dict) -> dict:
        try:
            response = client.raw_request(method, path, **params)
        except stripe.APIConnectionError as exc:
            raise stripe_failure(exc, api_base) from None
        except stripe.StripeError as exc:
            kind = getattr(exc.error, "type", None) or "api_error"
            raise ApiError(kind, exc.user_message or str(exc), exc.http_status) from None
        return json.loads(response.body)
    return send


@click.command()
@click.argument("path", metavar="FILE.json", type=click.Path(dir_okay=False))
@api_base_option
@api_key_option
@with_edit_options
@click.option("--json", "as_json", is_flag=True, help="Print every fixture's response as one JSON object.")
def fixtures(path, api_base, api_key, overrides, adds, removals, as_json) -> None:
    """Run a fixture file in Stripe CLI's format (_meta, fixtures[] with name/path/method/params, ${name:json.path},
    ${.env:VAR}) against the fake Stripe."""
    from simulator.errors import SimulatorError  # noqa: PLC0415
    from simulator.fixtures import ApiError, apply_edits, parse, run  # noqa: PLC0415
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from None
    try:
        plan = apply_edits(parse(text, path), edits(overrides, adds, removals))
        responses = run(plan, sdk_send(client_for(api_key, api_base), api_base), os.environ,
                        on_step=None if as_json else _print_step)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    except ApiError as exc:
        raise click.ClickException(f"fixture {exc.fixture!r}: {exc.request} answered {exc.status} "
                                   f"{exc.error_type}: {exc}") from None
    if as_json:
        click.echo(json.dumps(responses, indent=2))


def _print_step(step) -> None:
    made = (step.response or {}).get("id")
    outcome = f"expected {step.error_type}" if step.error_type else (made or "ok")
    click.echo(f"Running fixture for: {step.fixture.name}  {step.fixture.method.upper()} {step.path} → {outcome}")
