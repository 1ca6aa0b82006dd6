"""The database: a SQLAlchemy engine and the transactions (`transaction.Tx`) the platform runs on it."""

import logging
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from . import batches
from .database import WriterLock, make_engine, sqlite_path
from .errors import StorageError
from .facts import Keys
from .migrations import upgrade
from .schema import metadata
from .transaction import Tx

log = logging.getLogger(__name__)
T = TypeVar("T")


def _begin_with_first_statements(conn: Connection):
    """On PostgreSQL, the psycopg connection in autocommit mode so `Tx` sends BEGIN in its first batch; else None.

    psycopg sends BEGIN by itself and waits for its answer, a round trip of its own; `Tx` puts it in front of
    its first statements instead, and `Tx.finish` sends COMMIT with the last writes. Otherwise committing and
    rolling back stay SQLAlchemy's (psycopg sends COMMIT or ROLLBACK whenever a transaction is open,
    autocommit or not, and nothing when it is not).
    """
    if conn.dialect.driver != "psycopg":
        return None
    driver = conn.connection.dbapi_connection
    driver.autocommit = True
    return driver


def _begin_alone_again(conn: Connection, driver) -> None:
    """Back to psycopg's own BEGIN, so every other user of the pooled connection gets a transaction."""
    try:
        driver.autocommit = False
    except Exception:  # broken, or still in a transaction: never hand it out again
        conn.invalidate()


class Store:
    """The database: an engine and the transactions the platform runs on it."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.engine = make_engine(url, sqlite_synchronous)
        sqlite_file = sqlite_path(url)
        self._writers = WriterLock(sqlite_file) if sqlite_file else None
        self._known_links: dict[tuple[str, str], int] = {}
        try:
            # Workers starting together must not both create the schema: take the write lock first.
            with self.write() as tx:
                tx.lock_keys(Keys(ref="schema"))
                metadata.create_all(tx.conn)
                upgrade(tx.conn)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot create the schema at {self.engine.url!r}: {exc}") from exc
        if not isinstance(self.engine.pool, StaticPool):
            # Drop start-up connections so forked workers (gunicorn --preload) each open their own.
            self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction: sends what is queued and commits on success, rolls back on any error."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with self._writers.held() if self._writers else nullcontext():
                driver = _begin_with_first_statements(conn)
                try:
                    with conn.begin():
                        tx = Tx(conn, self._known_links, begin_pending=driver is not None)
                        yield tx
                        tx.finish()  # SQLAlchemy's commit then finds the transaction committed, if it was
                finally:
                    if driver is not None:
                        _begin_alone_again(conn, driver)

    def transaction(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in a write transaction, once more on a new connection if the first one was dead.

        No ping per request: a pooled connection whose server went away (restart, failover, idle
        timeout) fails at the transaction's first round trip. Nothing of it was committed then
        (PostgreSQL rolls back the open transaction of a dropped connection), so it runs again, once,
        on a new connection. A connection lost while committing is not retried: the outcome is unknown
        (Stripe's retry will find the event stored or not).
        """
        retried = False
        while True:
            tx = None
            try:
                with self.write() as tx:
                    return work(tx)
            except DBAPIError as exc:
                if retried or tx is None:
                    raise
                if exc.connection_invalidated and not tx.committing:
                    log.warning("database connection lost (%s); running the transaction again on a new one",
                                type(exc.orig).__name__)
                    self.engine.dispose()  # the pool's other idle connections went with the server
                elif not batches.deallocated(exc):
                    raise
                retried = True

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield Tx(conn)

    def forget_links(self) -> None:
        """Drop the in-memory copy of the links (only tests delete rows)."""
        self._known_links.clear()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
        if self._writers:
            self._writers.close()
