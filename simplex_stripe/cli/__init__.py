"""The `simplex-stripe` command: one group, one module per subcommand."""

import logging

import click

from .fire import fire, sequences


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Stripe test-mode simulator and conformance harness for the simplex Meeting platform."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


main.add_command(fire)
main.add_command(sequences)
