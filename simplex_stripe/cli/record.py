"""`simplex-stripe record`: run the guide's stories against a Stripe API (test mode) into a cassette."""

from pathlib import Path

import click

from simulator.story_names import help_block

from .errors import UsageProblem, one_line


@click.command(epilog=help_block("STORY is a story (or `all`: every one with a record script):",
                                 mark_unrecordable=True))
@click.argument("story_names", metavar="STORY...", nargs=-1, required=True)
@click.option("--api-key", envvar="STRIPE_API_KEY", help="Test-mode key sk_test_…/rk_test_… (or STRIPE_API_KEY); "
                                                         "live keys are refused.")
@click.option("--api-base", default="https://api.stripe.com", show_default=True,
              help="Stripe API base URL (e.g. the fake Stripe on http://127.0.0.1:12180).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Cassette file to write.")
@click.option("--settle", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="A step's events are complete once none arrived for this many seconds.")
@click.option("--event-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Longest wait for a step's events.")
@click.option("--clock-timeout", type=click.FloatRange(min=0), default=180.0, show_default=True,
              help="Longest wait for a test clock to finish advancing.")
def record(story_names, api_key, api_base, out, settle, event_timeout, clock_timeout) -> None:
    """Record the guide's stories in Stripe test mode (test clocks, the stripe SDK) into a cassette."""
    from simulator.fidelity import cassette
    from simulator.fidelity.errors import FidelityError
    from simulator.fidelity.record import Options, Recorder
    from simulator.fidelity.scripts import SCRIPTS, script_name

    try:
        names = list(SCRIPTS) if "all" in story_names else list(dict.fromkeys(map(script_name, story_names)))
    except FidelityError as exc:
        raise UsageProblem(str(exc)) from None
    if not api_base.startswith(("http://", "https://")):
        raise UsageProblem(f"--api-base {api_base!r} is not an http(s) URL")
    if not (Path(out).parent or Path(".")).is_dir():
        raise UsageProblem(f"--out {out}: no such directory")  # before minutes of recording, not after
    try:
        recorder = Recorder(api_key, api_base, Options(settle, event_timeout, clock_timeout))
    except FidelityError as exc:
        raise UsageProblem(str(exc)) from None
    try:
        tape = recorder.cassette(names)
    except Exception as exc:  # the API is unreachable or answered nonsense: one line, not a traceback
        raise UsageProblem(f"{api_base}: {one_line(exc)}") from None
    try:
        cassette.save(tape, out)
    except OSError as exc:
        raise UsageProblem(f"--out {out}: {exc.strerror or exc}") from None
    failed = [story for story in tape["stories"] if story["error"]]
    for story in tape["stories"]:
        steps = len(story["steps"])
        events = sum(len(step["events"]) for step in story["steps"])
        state = f"FAILED at {story['error']}" if story["error"] else "ok"
        click.echo(f"{story['name']:<22} {steps} steps, {events} events  {state}")
    click.echo(f"cassette written to {out}")
    raise SystemExit(1 if failed else 0)
