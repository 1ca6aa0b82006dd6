"""`simplex-stripe serve`: run the reference platform on one host and port."""

import logging
import os

import click
from werkzeug.serving import make_server

from platform_adapter import create_app, logs
from platform_adapter.config import Settings
from platform_adapter.errors import PlatformError
from platform_adapter.probe import PROBE_PREFIX
from platform_adapter.webhooks import WEBHOOK_PATH

from .errors import UsageProblem

log = logging.getLogger(__name__)
CLI_FORMAT = "%(levelname)s %(name)s: %(message)s"  # the CLI's own (simplex_stripe.cli.main)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port.")
@click.option("--data-dir", help="Folder for the default SQLite database (created if missing) "
              "[env SIMPLEX_DATA_DIR; default ./simplex-data].")
@click.option("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
              "[env SIMPLEX_DATABASE_URL; default sqlite:///<data-dir>/platform.sqlite3].")
@click.option("--stripe-api-base", help="Stripe API base URL, e.g. a fake Stripe [env STRIPE_API_BASE; "
              "default https://api.stripe.com].")
@click.option("--probe-token", help="Enable the conformance probe with this bearer token [env SIMPLEX_PROBE_TOKEN].")
@click.option("--log-format", type=click.Choice(logs.FORMATS), default=None,
              help="Log lines on stderr: text, or one JSON object per line [env SIMPLEX_LOG_FORMAT; default text].")
@click.option("--refetch-events", is_flag=True, default=None,
              help="Re-fetch mode: retrieve each event's session, invoice or subscription from Stripe and apply "
                   "its current state [env SIMPLEX_REFETCH_EVENTS=1].")
def serve(host: str, port: int, data_dir: str | None, database_url: str | None, stripe_api_base: str | None,
          probe_token: str | None, log_format: str | None, refetch_events: bool | None) -> None:
    """Run the platform: the webhook endpoint and, with a probe token, the conformance probe.

    Keys come from STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET. This is a
    threaded single-process server; for several workers run gunicorn 'platform_adapter.wsgi:app'.
    """
    try:
        settings = Settings.from_env(os.environ, data_dir=data_dir, database_url=database_url,
                                     stripe_api_base=stripe_api_base, probe_token=probe_token,
                                     log_format=log_format, refetch_events=refetch_events)
        logs.install(settings.log_format, fmt=CLI_FORMAT)  # escaped: a request cannot write a line of its own
        app = create_app(settings)
    except PlatformError as exc:
        raise UsageProblem(exc.message) from None
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise UsageProblem(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    base = f"http://{host}:{server.server_port}"
    click.echo(f"account settings  {base}/account", err=True)
    click.echo(f"admin (Stripe)    {base}/admin/stripe", err=True)
    click.echo(f"webhook endpoint  {base}{WEBHOOK_PATH}", err=True)
    click.echo(f"conformance probe {base}{PROBE_PREFIX}" if settings.probe_enabled
               else "conformance probe off (set SIMPLEX_PROBE_TOKEN or --probe-token)", err=True)
    click.echo(f"database          {_redacted(settings.database_url)}", err=True)
    if settings.refetch_events:
        click.echo("events            re-fetched from Stripe (SIMPLEX_REFETCH_EVENTS)", err=True)
    click.echo("Ctrl-C to stop", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["platform_adapter"].store.close()


def _redacted(url: str) -> str:
    """A database URL without its password."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, credentials = head.partition("//")
    return f"{scheme}//{credentials.split(':', 1)[0]}:***@{tail}"
