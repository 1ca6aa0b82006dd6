"""The `simplex-stripe` command: one group, one module per subcommand, imported only when used."""

import importlib
import importlib.util
import logging

import click

# name -> "module:attribute"; a subcommand's module is imported only when that subcommand runs,
# so `fire` never pays for Flask or SQLAlchemy start-up.
COMMANDS: dict[str, str] = {
    "fire": "simplex_stripe.cli.fire:fire",
    "sequences": "simplex_stripe.cli.fire:sequences",
    "fake-stripe": "simplex_stripe.cli.fake_stripe:fake_stripe",
    "serve": "simplex_stripe.cli.serve:serve",
    "demo": "simplex_stripe.cli.demo:demo",
    "doctor": "simplex_stripe.cli.doctor:doctor",
    "conformance": "simplex_stripe.cli.conformance:conformance",
    "load": "simplex_stripe.cli.load:load",
    "stripe-mock": "simplex_stripe.cli.stripe_mock:stripe_mock",
    "listen": "simplex_stripe.cli.listen:listen",
    "events": "simplex_stripe.cli.events:events",
    "fixtures": "simplex_stripe.cli.fixtures:fixtures",
}


def _available(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


class LazyGroup(click.Group):
    """A group whose subcommands live in their own modules."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in COMMANDS.items() if _available(target)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None or not _available(target):
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="simplex-stripe", prog_name="simplex-stripe", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Stripe test-mode simulator and conformance harness for the simplex Meeting platform."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
