"""`simplex-stripe repair`: fix what older platform versions stored (facts and dates past year 9999)."""

import os
import time

import click

from platform_adapter.config import DEFAULT_DATA_DIR, sqlite_url
from platform_adapter.database import sqlite_path
from platform_adapter.errors import PlatformError
from platform_adapter.repair import repair as repair_store
from platform_adapter.storage import Store

from .errors import UsageProblem


@click.command()
@click.option("--data-dir", help="Folder of the default SQLite database [env SIMPLEX_DATA_DIR; default ./simplex-data].")
@click.option("--database-url", help="SQLAlchemy URL [env SIMPLEX_DATABASE_URL; "
              "default sqlite:///<data-dir>/platform.sqlite3].")
def repair(data_dir: str | None, database_url: str | None) -> None:
    """Remove stored facts no account can use and re-derive the accounts they touched (safe to run again)."""
    try:
        # Only where the database is: repairing needs no Stripe keys.
        data_dir = data_dir or os.environ.get("SIMPLEX_DATA_DIR", "").strip() or DEFAULT_DATA_DIR
        url = database_url or os.environ.get("SIMPLEX_DATABASE_URL", "").strip() or sqlite_url(data_dir)
        path = sqlite_path(url)
        if path is not None and not path.is_file():  # a mistyped folder must not become an empty database
            raise UsageProblem(f"no database at {path}: is --data-dir (or --database-url) the folder `serve` uses?")
        store = Store(url)
    except PlatformError as exc:
        raise UsageProblem(exc.message) from None
    try:
        done = repair_store(store, time.time())
    finally:
        store.close()
    click.echo(f"facts removed {done.facts_removed}, pending events cleaned {done.pending_cleaned}, "
               f"accounts re-derived {done.accounts_rederived}")
