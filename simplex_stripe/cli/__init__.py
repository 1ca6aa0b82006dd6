"""The `simplex-stripe` command: one group, one module per subcommand, imported only when used."""

import importlib
import importlib.util
import logging

import click

# Lazy registration (Flask's lazy-loading pattern): name -> ("module:function", the command's short help);
# `--help` lists commands from this table and a module is imported only when its command runs, so add a
# command here, never by importing it (tests/integration/test_cli_imports.py holds this). An entry without
# its summary (a bare "module:function") still works, but then `--help` imports that module.
COMMANDS: dict[str, tuple[str, str] | str] = {
    "fire": ("simplex_stripe.cli.fire:fire",
             "Fire signed, realistic Stripe event sequences at a webhook URL."),
    "sequences": ("simplex_stripe.cli.fire:sequences",
                  "List the sequences and the events the engine makes for each."),
    "fake-stripe": ("simplex_stripe.cli.fake_stripe:fake_stripe",
                    "Run a stateful fake Stripe API with hosted Checkout, webhooks and time travel."),
    "serve": ("simplex_stripe.cli.serve:serve",
              "Run the platform: the webhook endpoint and, with a probe token, the conformance probe."),
    "repair": ("simplex_stripe.cli.repair:repair",
               "Remove stored facts no account can use and re-derive the accounts they touched (safe to run again)."),
    "demo": ("simplex_stripe.cli.demo:demo",
             "Run the fake Stripe (seed `guide`) and the platform on 127.0.0.1 and walk a customer through the "
             "guide."),
    "doctor": ("simplex_stripe.cli.doctor:doctor",
               "Check a Stripe account's products, tax rates and webhook endpoint against the guide."),
    "conformance": ("simplex_stripe.cli.conformance:conformance",
                    "Run the guide's rules as Gherkin features against a platform; exit 1 on any failure."),
    "load": ("simplex_stripe.cli.load:load",
             "Fire signed customer lifecycles at a webhook URL from many Locust users, on one machine or "
             "several."),
    "stripe-mock": ("simplex_stripe.cli.stripe_mock:stripe_mock",
                    "Start or stop the official stripe-mock (Docker) for contract checks against Stripe's "
                    "OpenAPI spec."),
    "listen": ("simplex_stripe.cli.listen:listen",
               "Forward the fake Stripe's webhook deliveries to a URL, like `stripe listen --forward-to`."),
    "events": ("simplex_stripe.cli.events:events",
               "Work with the events the fake Stripe stored."),
    "fixtures": ("simplex_stripe.cli.fixtures:fixtures",
                 "Run a fixture file in Stripe CLI's format (_meta, fixtures[] with "
                 "name/path/method/params/headers/api_base, ${name:json.path|default}, ${.env:VAR}, a .env file, an "
                 "env block) against the fake Stripe."),
    "trigger": ("simplex_stripe.cli.trigger:trigger",
                "Trigger EVENT and the events Stripe sends with it, like `stripe trigger`."),
    "record": ("simplex_stripe.cli.record:record",
               "Record the guide's stories in Stripe test mode (test clocks, the stripe SDK) into a cassette."),
    "compare": ("simplex_stripe.cli.compare:compare",
                "Replay a cassette at the fake and score how closely it behaves like the recording."),
}


def _entry(name: str) -> tuple[str | None, str | None]:
    """A command's "module:function" and its summary (None when the table gives none)."""
    entry = COMMANDS.get(name)
    return (entry, None) if isinstance(entry, str) else (entry or (None, None))


def _available(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


class LazyGroup(click.Group):
    """A group whose subcommands live in their own modules, listed without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(_entry(name)[0])]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target, _ = _entry(name)
        if target is None or not _available(target):
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._summary(ctx, name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _summary(self, ctx: click.Context, name: str, limit: int) -> str:
        summary = _entry(name)[1]
        if summary is None:
            return self.get_command(ctx, name).get_short_help_str(limit)
        return click.Command(name, help=summary).get_short_help_str(limit)  # click's own shortening


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="simplex-stripe", prog_name="simplex-stripe", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Stripe test-mode simulator and conformance harness for the simplex Meeting platform."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
