"""`simplex-stripe conformance`: run the shipped features against the embedded reference or a deployed platform."""

import os
import sys
from pathlib import Path

import click
import pytest

from .errors import UsageProblem
from .tables import output_console


def _pytest_args(opts: dict) -> list[str]:
    import steps
    steps_dir = Path(steps.__file__).resolve().parent
    # An empty ini and the package as rootdir: the user's own pytest configuration must not leak in.
    args = [str(steps_dir / "test_features.py"), "-p", "steps.plugin", "-p", "no:terminal",
            "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(steps_dir), "-W", "ignore::DeprecationWarning",
            "--target", opts["target"], "--platform-factory", opts["platform_factory"]]
    for flag in ("webhook_secret", "probe_token", "stripe_api_base", "stripe_api_key"):
        if opts[flag]:
            args += [f"--{flag.replace('_', '-')}", opts[flag]]
    if opts["tags"]:
        args += ["-m", opts["tags"].replace("@", "").replace("stripe-api", "stripe_api")]
    if opts["k"]:
        args += ["-k", opts["k"]]
    if opts["junit_xml"]:
        args += [f"--junitxml={opts['junit_xml']}", "-o", "junit_suite_name=simplex-stripe-conformance"]
    if opts["cucumber_json"]:
        args += [f"--cucumberjson={opts['cucumber_json']}"]
    return args


@click.command()
@click.option("--target", default="embedded", show_default=True,
              help="'embedded' (reference platform + fake Stripe on 127.0.0.1) or a platform's base URL.")
@click.option("--webhook-secret", envvar="SIMPLEX_CONFORMANCE_WEBHOOK_SECRET", help="Deployed: the platform's whsec_….")
@click.option("--probe-token", envvar="SIMPLEX_CONFORMANCE_PROBE_TOKEN", help="Deployed: the platform's probe token.")
@click.option("--stripe-api-base", help="The Stripe API the platform uses, when not api.stripe.com.")
@click.option("--stripe-api-key", envvar="SIMPLEX_CONFORMANCE_STRIPE_API_KEY",
              help="Secret key of the platform's Stripe account (enables @stripe-api scenarios).")
@click.option("--tags", help="Tag expression, e.g. 'guide and not stripe-api'.")
@click.option("-k", "k", help="Only scenarios whose names match (pytest -k).")
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write JUnit XML here.")
@click.option("--cucumber-json", type=click.Path(dir_okay=False), help="Write Cucumber JSON here.")
@click.option("--platform-factory", default="platform_adapter:create_app", show_default=True,
              help="Embedded: module:function that builds the platform's WSGI app from Settings.")
@click.option("--require-all", "--fail-on-skip", "require_all", is_flag=True,
              help="Exit 1 when any selected scenario was not applicable (for CI).")
def conformance(**opts) -> None:
    """Run the guide's rules as Gherkin features against a platform; exit 1 on any failure.

    Configuration mistakes (options, an unreachable target, a refused token, secret or key) exit 2
    with one line before any scenario runs.
    """
    if opts["target"] != "embedded" and not opts["target"].startswith(("http://", "https://")):
        raise UsageProblem(f"--target {opts['target']!r}: use 'embedded' or the platform's base URL (https://host)")
    from steps.report import ScenarioReporter
    reporter = ScenarioReporter(output_console())
    code = pytest.main(_pytest_args(opts), plugins=[reporter])
    if reporter.preflight_failure is not None:
        raise UsageProblem(reporter.preflight_failure)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        raise UsageProblem("no scenario matches --tags/-k")
    if code == pytest.ExitCode.USAGE_ERROR or code == pytest.ExitCode.INTERNAL_ERROR:
        raise UsageProblem("the conformance run could not start (see the message above)")
    skipped = reporter.counts["not applicable"]
    if code == pytest.ExitCode.OK and opts["require_all"] and skipped:
        click.echo(f"--require-all: {skipped} selected scenario(s) not applicable", err=True)
        sys.exit(1)
    sys.exit(0 if code == pytest.ExitCode.OK else 1)
