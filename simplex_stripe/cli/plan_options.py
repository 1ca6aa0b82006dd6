"""The options `fire` and `load` share: which plan the simulated customer buys, its tax, the payload shape."""

import click

from simulator.casts import ACCOUNT_TYPE_NAMES

PLAN_OPTIONS = (
    click.option("--price", help="Price id the purchases use (default: invented)."),
    click.option("--product", help="Product id of --price (default: invented)."),
    click.option("--new-price", help="Price id a plan change switches to."),
    click.option("--new-product", help="Product id of --new-price."),
    click.option("--account-type", type=click.Choice(list(ACCOUNT_TYPE_NAMES)), default="professional",
                 show_default=True, help="Names the invented product."),
    click.option("--new-account-type", type=click.Choice(list(ACCOUNT_TYPE_NAMES)), default="business",
                 show_default=True, help="Names the invented plan-change product."),
    click.option("--interval-months", type=int, default=1, show_default=True, help="The plan's period in months."),
    click.option("--new-interval-months", type=int, help="The plan-change target's period (default: same)."),
    click.option("--currency", default="usd", show_default=True),
    click.option("--amount", type=int, default=2900, show_default=True, help="Unit amount in minor units."),
    click.option("--tax-rate", type=float, default=7.7, show_default=True, help="Tax percentage; 0 for none."),
    click.option("--tax-inclusive", is_flag=True, help="The tax rate is inclusive (default exclusive)."),
    click.option("--api-version", default=None, help="Payload shape: a Stripe API version, 'current' or 'pre-basil'."),
)


def plan_options(command):
    """Add the shared plan options to a click command."""
    for option in reversed(PLAN_OPTIONS):
        command = option(command)
    return command
