"""Statements sent together: one round trip on PostgreSQL (psycopg's pipeline), one after another elsewhere.

A batch is a list of `Step`s, each a SQLAlchemy Core statement with its parameters. On PostgreSQL the
statements are compiled once to the driver's SQL and sent in one pipeline, as prepared statements,
and the server runs them in order: a statement sees what the statements before it locked and wrote,
and takes its snapshot when it starts, after the locks before it were granted. Elsewhere (SQLite)
SQLAlchemy runs them one by one, with the same results.
"""

import socket
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

ROWS, COUNT, NOTHING = "rows", "count", "nothing"


@dataclass(frozen=True)
class Step:
    """One statement of a batch: its parameters (a list runs it once per item) and what to return."""

    statement: Any
    params: dict | list[dict]
    result: str = NOTHING  # ROWS: the rows; COUNT: rows affected; NOTHING: None


def run(conn: Connection, steps: list[Step]) -> list:
    """Run the steps in order in the connection's transaction; one result per step."""
    if not steps:
        return []
    if conn.dialect.driver == "psycopg":  # psycopg 3; psycopg2 has no pipeline
        return _pipelined(conn, steps)
    return [_one(conn, step) for step in steps]


def _one(conn: Connection, step: Step):
    # A COUNT step's statement carries `preserve_rowcount` (set once: a new statement object per call would
    # cost SQLAlchemy a cache key each time).
    result = conn.execute(step.statement, step.params)
    if step.result == ROWS:
        return list(result)
    return result.rowcount if step.result == COUNT else None


@contextmanager
def _corked(fd: int):
    """Hold back what is written to a TCP socket until the block ends, then send it at once (Linux's TCP_CORK).

    psycopg writes each statement of a pipeline as soon as it is queued, and the server wakes up for
    each; corked, a batch reaches it in one piece. Elsewhere (a Unix socket, another OS) nothing changes.
    """
    sock = socket.socket(fileno=fd)  # the driver's socket, borrowed: detached below, never closed here
    try:
        corked = _cork(sock, True)
        try:
            yield
        finally:
            if corked:
                _cork(sock, False)  # sends what was held
    finally:
        sock.detach()


def _cork(sock: socket.socket, on: bool) -> bool:
    """Set TCP_CORK; False where there is none (not TCP, not Linux)."""
    option = getattr(socket, "TCP_CORK", None)
    if option is None:
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, option, int(on))
    except OSError:
        return False
    return True


_COMPILED: dict[int, tuple[Any, str, dict]] = {}


def _compiled(statement, dialect) -> tuple[str, dict]:
    """The statement's SQL for psycopg and its literal parameters, compiled once per statement."""
    entry = _COMPILED.get(id(statement))
    if entry is None or entry[0] is not statement:
        compiled = statement.compile(dialect=dialect)
        literals = {name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required}
        # The statement itself is kept so its id is never reused by another object.
        entry = _COMPILED[id(statement)] = (statement, compiled.string, literals)
    return entry[1], entry[2]


def _pipelined(conn: Connection, steps: list[Step]) -> list:
    from psycopg.rows import namedtuple_row, tuple_row

    driver = conn.connection.dbapi_connection
    cursors = []
    try:
        with driver.pipeline():
            with _corked(driver.fileno()):
                for step in steps:
                    sql, literals = _compiled(step.statement, conn.dialect)
                    cursor = driver.cursor(row_factory=namedtuple_row if step.result == ROWS else tuple_row)
                    if isinstance(step.params, list):
                        cursor.executemany(sql, [{**literals, **params} for params in step.params])
                    else:
                        cursor.execute(sql, {**literals, **step.params}, prepare=True)
                    cursors.append(cursor)
        results = []
        for step, cursor in zip(steps, cursors):
            results.append(cursor.fetchall() if step.result == ROWS else
                           cursor.rowcount if step.result == COUNT else None)
            cursor.close()
        return results
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy reports its own statements' errors: a DBAPIError, the connection invalidated when it is dead.
        dead = conn.dialect.is_disconnect(exc, driver, None) or driver.broken
        if dead:
            conn.invalidate(exc)
        raise DBAPIError.instance(f"(a pipeline of {len(steps)} statements)", None, exc, conn.dialect.loaded_dbapi.Error,
                                  connection_invalidated=dead, dialect=conn.dialect) from exc
