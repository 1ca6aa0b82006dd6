"""Statements sent together: one round trip on PostgreSQL (libpq's pipeline), one after another elsewhere.

A batch is a list of `Step`s, each a SQLAlchemy Core statement with its parameters. On PostgreSQL the
statements are compiled once, prepared once per connection, and sent in one pipeline with one Sync;
the server runs them in order: a statement sees what the statements before it locked and wrote, and
takes its snapshot when it starts, after the locks before it were granted. Elsewhere (SQLite)
SQLAlchemy runs them one by one, with the same results.
"""

import hashlib
import re
import select
from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

ROWS, COUNT, NOTHING = "rows", "count", "nothing"
INVALID_STATEMENT_NAME = "26000"  # PostgreSQL: no prepared statement of that name


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


def deallocated(exc: DBAPIError) -> bool:
    """Whether a batch failed because the session's prepared statements were dropped (prepared anew next time)."""
    return getattr(exc.orig, "sqlstate", None) == INVALID_STATEMENT_NAME


def _pipelined(conn: Connection, steps: list[Step]) -> list:
    error = conn.dialect.loaded_dbapi.Error
    wire = _Wire.of(conn)
    try:
        messages = wire.encode(steps, conn.dialect)
    except error as exc:  # a value the driver cannot send: refused before anything was queued
        raise _as_dbapi_error(exc, conn, steps, invalidated=False) from exc
    try:
        answers = wire.exchange(messages)
    except BaseException as exc:
        # Stopped on the wire (a lost connection, an interrupt): what is still queued or unread is unknown,
        # so the connection is never used again.
        conn.invalidate(exc if isinstance(exc, Exception) else None)
        if isinstance(exc, error):
            raise _as_dbapi_error(exc, conn, steps, invalidated=True) from exc
        raise
    try:
        return wire.results(steps, messages, answers)
    except error as exc:  # the server refused a statement; the connection is fine, the transaction failed
        raise _as_dbapi_error(exc, conn, steps, invalidated=False) from exc


def _as_dbapi_error(exc: Exception, conn: Connection, steps: list[Step], *, invalidated: bool) -> DBAPIError:
    """As SQLAlchemy reports the driver's errors in its own statements."""
    error = conn.dialect.loaded_dbapi.Error
    return DBAPIError.instance(f"(a pipeline of {len(steps)} statements)", None, exc, error,
                               connection_invalidated=invalidated, dialect=conn.dialect)


class _Wire:
    """A psycopg connection's libpq pipeline, driven directly: its prepared statements and how to read rows.

    psycopg's own pipeline builds a cursor per statement and writes each statement to the socket as it
    is queued; a batch here is one write (Parse for statements new to the connection, Bind/Execute for
    each, one Sync) and one read of the answers, through psycopg's public libpq wrapper (`psycopg.pq`)
    and its `Transformer` for values.
    """

    def __init__(self, driver) -> None:
        from psycopg.adapt import PyFormat, Transformer
        self.driver, self.pgconn = driver, driver.pgconn
        self.transformer = Transformer(driver)
        self.text = PyFormat.TEXT
        self.prepared: set[bytes] = set()  # statements this connection's server session holds

    @classmethod
    def of(cls, conn: Connection) -> "_Wire":
        """The connection's wire: one per psycopg connection, kept in the pool's `info` for it (dropped with it)."""
        info, driver = conn.connection.info, conn.connection.dbapi_connection
        wire = info.get("simplex.wire")
        if wire is None or wire.pgconn is not driver.pgconn:
            wire = info["simplex.wire"] = cls(driver)
        return wire

    def encode(self, steps: list[Step], dialect) -> list[tuple[int | None, "_Dollar", list | None]]:
        """The batch's messages: (None, statement, None) to prepare a statement new to the connection,
        (step index, statement, its parameters as text) to run one."""
        messages: list[tuple[int | None, "_Dollar", list | None]] = []
        preparing = set()
        for index, step in enumerate(steps):
            statement = _dollar(step.statement, dialect)
            if statement.name not in self.prepared and statement.name not in preparing:
                preparing.add(statement.name)
                messages.append((None, statement, None))
            for params in step.params if isinstance(step.params, list) else [step.params]:
                values = [params[name] if name in params else statement.literals[name] for name in statement.names]
                messages.append((index, statement, self.transformer.dump_sequence(values, [self.text] * len(values))
                                 if values else None))
        return messages

    def exchange(self, messages: list) -> list:
        """Send the messages in one pipeline and read every answer, in the same order."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        for index, statement, values in messages:
            if index is None:
                pgconn.send_prepare(statement.name, statement.sql)
            else:
                pgconn.send_query_prepared(statement.name, values)
        pgconn.pipeline_sync()
        self._send_all()
        answers = self._answers(len(messages))
        pgconn.exit_pipeline_mode()
        return answers

    def results(self, steps: list[Step], messages: list, answers: list) -> list:
        """One result per step (see `Step.result`); the first statement the server refused raises its error."""
        from psycopg import errors, pq
        results: list = [[] if step.result == ROWS else 0 if step.result == COUNT else None for step in steps]
        failure = None
        for (index, statement, _), answer in zip(messages, answers):
            if answer.status == pq.ExecStatus.FATAL_ERROR:
                failure = failure or errors.error_from_result(answer, encoding=self.driver.info.encoding)
            elif answer.status == pq.ExecStatus.PIPELINE_ABORTED:
                continue
            elif index is None:
                self.prepared.add(statement.name)
            elif steps[index].result == ROWS:
                results[index] += self._rows(answer)
            elif steps[index].result == COUNT:
                results[index] += answer.command_tuples or 0
        if failure is not None:
            if failure.sqlstate == INVALID_STATEMENT_NAME:  # dropped behind our back: prepare them all again
                self.prepared.clear()
            raise failure
        return results

    def _send_all(self) -> None:
        """Flush libpq's buffer (the socket may take it in parts), reading meanwhile so neither side waits."""
        while self.pgconn.flush():
            readable, _ = _wait(self.pgconn.socket, read=True, write=True)
            if readable:
                self.pgconn.consume_input()

    def _answers(self, count: int) -> list:
        """The `count` results before the pipeline's Sync, in order."""
        from psycopg import pq
        pgconn, answers = self.pgconn, []
        while True:
            while pgconn.is_busy():
                _wait(pgconn.socket, read=True)
                pgconn.consume_input()  # OperationalError when the connection is lost
            answer = pgconn.get_result()
            if answer is None:  # the end of one statement's results
                if pgconn.status == pq.ConnStatus.BAD:
                    raise self.driver.OperationalError(pgconn.get_error_message())
                continue
            if answer.status != pq.ExecStatus.PIPELINE_SYNC:
                answers.append(answer)
            elif len(answers) == count:
                return answers
            else:
                raise self.driver.OperationalError(f"expected {count} results before the Sync, got {len(answers)}")

    def _rows(self, answer) -> list:
        """The answer's rows as named tuples (fields by column name, as SQLAlchemy's rows have them)."""
        self.transformer.set_pgresult(answer)
        make = _row_class(tuple(answer.fname(i).decode() for i in range(answer.nfields)))._make
        return self.transformer.load_rows(0, answer.ntuples, make)


def _wait(fd: int, *, read: bool = False, write: bool = False) -> tuple[bool, bool]:
    """Block (without holding the GIL) until the socket can be read or written."""
    poller = select.poll()
    poller.register(fd, (select.POLLIN if read else 0) | (select.POLLOUT if write else 0))
    events = 0
    for _, happened in poller.poll():
        events |= happened
    return bool(events & (select.POLLIN | select.POLLERR | select.POLLHUP)), bool(events & select.POLLOUT)


@lru_cache(maxsize=None)
def _row_class(fields: tuple[str, ...]):
    return namedtuple("Row", fields, rename=True)


@dataclass(frozen=True)
class _Dollar:
    """A statement in libpq's form: `$n` placeholders, the parameter names in order, a name to prepare it under."""

    sql: bytes
    names: tuple[str, ...]
    literals: dict
    name: bytes


_DOLLAR: dict[int, tuple[Any, _Dollar]] = {}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _dollar(statement, dialect) -> _Dollar:
    """The statement compiled once for libpq: psycopg's `%(name)s` placeholders numbered in order of appearance."""
    entry = _DOLLAR.get(id(statement))
    if entry is None or entry[0] is not statement:
        compiled = statement.compile(dialect=dialect)
        literals = {name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required}
        names: list[str] = []

        def number(match: re.Match) -> str:
            name = match.group(1)
            if name is None:
                return "%"
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"
        sql = _PLACEHOLDER.sub(number, compiled.string)
        # Named by its text, so every worker and connection gives a statement the same name.
        digest = hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()
        # The statement itself is kept so its id is never reused by another object.
        entry = _DOLLAR[id(statement)] = (statement, _Dollar(sql.encode(), tuple(names), literals,
                                                             f"simplex_{digest}".encode()))
    return entry[1]
