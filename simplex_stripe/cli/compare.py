"""`simplex-stripe compare`: replay a cassette at the fake and score how closely it behaves like the recording."""

import json

import click

from .errors import UsageProblem, one_line


@click.command()
@click.argument("cassette_file", metavar="CASSETTE", type=click.Path(dir_okay=False))
@click.option("--api-base", help="Fake Stripe to replay at (default: a fresh embedded fake per story, on "
                                 "127.0.0.1).")
@click.option("--api-key", default="sk_test_simplex_stripe_compare", show_default=True,
              help="Test-mode key for --api-base (a fake started with --api-key accepts only its own).")
@click.option("--story", "stories", multiple=True, help="Only this story (repeatable).")
@click.option("--settle", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds without new events before a replayed step counts as done (for a remote fake).")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when the fidelity score (percent of event fields; of response fields for a VCR "
                   "cassette) is below this, or when nothing could be compared (no evidence).")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="Differences listed per step.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report (for CI).")
def compare(cassette_file, api_base, api_key, stories, settle, min_score, limit, as_json) -> None:
    """Replay a cassette at the fake and score how closely it behaves like the recording.

    Events are compared field by field (ids and times by their role); prints the fidelity score.

    CASSETTE is a file, example:STORY for a cassette the project ships (e.g. example:renewal), or a recorded
    HTTP cassette in the VCR YAML format of vcrpy or Ruby's VCR (a .yaml or .yml file)."""
    from simulator.fidelity import cassette, examples, vcr
    from simulator.fidelity.errors import FidelityError
    from simulator.fidelity.measure import measure
    from simulator.fidelity.record import check_key

    try:
        check_key(api_key)
        path = examples.resolve(cassette_file)
        tape = vcr.load(path) if vcr.is_vcr(path) else cassette.load(path)
        for name in stories:
            cassette.story(tape, name)
    except FidelityError as exc:
        raise UsageProblem(str(exc)) from None
    if api_base is not None and not api_base.startswith(("http://", "https://")):
        raise UsageProblem(f"--api-base {api_base!r} is not an http(s) URL")
    try:
        report = measure(tape, api_base, stories=list(stories) or None, settle=settle, api_key=api_key)
    except Exception as exc:  # an unreachable --api-base: one line, not a traceback
        raise UsageProblem(f"{api_base or 'embedded fake'}: {one_line(exc)}") from None
    passed = report.passed(min_score)
    if as_json:
        click.echo(json.dumps({**report.as_dict(limit), "min_score": min_score, "passed": passed}, indent=2))
    else:
        click.echo(report.text(limit))
    raise SystemExit(1 if min_score is not None and not passed else 0)
