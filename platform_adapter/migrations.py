"""Bringing a database made by an earlier version up to the schema: what `create_all` (new tables only) cannot."""

import logging

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .schema import PENDING_INDEXES, RETIRED_INDEXES, events

log = logging.getLogger(__name__)

# Columns added to a table after databases with that table were created (create_all adds only tables).
ADDED_COLUMNS = ((events, "reason_code"),)


def upgrade(conn: Connection) -> None:
    """Bring an older database up to the schema: add the columns of ADDED_COLUMNS it lacks, mend the indexes."""
    inspector = inspect(conn)
    for table, name in ADDED_COLUMNS:
        if name not in {c["name"] for c in inspector.get_columns(table.name)}:
            column = table.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {name} {kind}'))
    for index in PENDING_INDEXES:
        index.create(conn, checkfirst=True)
    for name in RETIRED_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    if conn.dialect.name == "postgresql" and conn.dialect.server_version_info >= (14,):
        _compress_payloads_with_lz4(conn)


def _compress_payloads_with_lz4(conn: Connection) -> None:
    """Payloads (a few kB of JSON each) compressed with lz4, which costs the server less CPU than its default pglz."""
    method = conn.execute(text("SELECT attcompression FROM pg_attribute WHERE attrelid = 'stripe_events'::regclass "
                               "AND attname = 'payload'")).scalar()
    if method == "l":
        return
    try:
        with conn.begin_nested():  # rows stored already keep their compression; new ones get lz4
            conn.execute(text("ALTER TABLE stripe_events ALTER COLUMN payload SET COMPRESSION lz4"))
    except DBAPIError as exc:  # a server built without lz4: pglz, as before
        log.info("payloads stay compressed with pglz: %s", exc.orig)
