"""The SQLAlchemy engine: SQLite (WAL, writers queued on a file lock) or PostgreSQL.

SQLite, the default, is one file: it runs in WAL mode so readers never block the writer, and a
write transaction takes the lock when it begins (`BEGIN IMMEDIATE`) so workers in other processes
queue instead of failing mid-transaction. PostgreSQL uses row locks and advisory locks instead.
"""

import os
import select
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from .errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy handler queues the writers
    fcntl = None


class WriterLock:
    """Queues SQLite writers of every process on one file lock.

    SQLite's own busy handler sleeps (1, 2, 5, 10 … ms) while another process writes; a blocking
    flock wakes the next writer as soon as the lock is released, which is what keeps p99 low under
    several gunicorn workers. Threads queue on a mutex first, since flock is per open file.
    """

    def __init__(self, path: Path | None) -> None:
        self._mutex = threading.Lock()
        self._path = f"{path}.lock" if path is not None and fcntl is not None else None
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        # Opened per process: a descriptor inherited through fork (gunicorn --preload) would share
        # its flock with the parent's other children and queue nobody.
        if self._path is not None and self._pid != os.getpid():
            self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for one write transaction."""
        with self._mutex:
            fd = self._file()
            if fd is None:
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release the lock file."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd, self._pid = None, 0


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL on disk, else None."""
    path = url.split("///", 1)[1] if url.startswith("sqlite") and "///" in url else ""
    return Path(path) if path and path != ":memory:" else None


SYNCHRONOUS = ("FULL", "NORMAL")


def make_engine(url: str, sqlite_synchronous: str = "FULL") -> Engine:
    """The engine for a SQLite or PostgreSQL URL; ConfigError for anything else or a missing driver."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
        # An in-memory database lives in one connection, so every checkout must share it.
        pool = {} if path else {"poolclass": StaticPool}
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)
        if sqlite_synchronous not in SYNCHRONOUS:
            raise ConfigError(f"SIMPLEX_SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS)}")
        event.listen(engine, "connect", lambda conn, record: _sqlite_connect(conn, sqlite_synchronous))
        event.listen(engine, "begin", _sqlite_begin)
        _one_process_per_connection(engine)
        return engine
    if url.startswith("postgresql"):
        try:
            # No pool_pre_ping (a round trip per request): a connection the server closed is seen at
            # checkout without one, and Store.transaction runs again when one dies unseen.
            # psycopg (3) prepares no statement itself: having any, it deallocates them all after every
            # rollback, the batches' too (`batches` prepares its own and keeps them). Other drivers
            # know no such option.
            psycopg = make_url(url).get_driver_name() == "psycopg"
            engine = create_engine(url, connect_args={"prepare_threshold": None} if psycopg else {})
        except (ModuleNotFoundError, NoSuchModuleError) as exc:
            raise ConfigError(f"no driver for {url.split(':', 1)[0]}: pip install 'psycopg[binary]' ({exc})") from exc
        except ArgumentError as exc:
            raise ConfigError(f"malformed database URL: {exc}") from exc
        _one_process_per_connection(engine)  # first: an inherited connection must not be closed, even dead
        event.listen(engine, "checkout", _replace_if_closed)
        return engine
    raise ConfigError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql+psycopg://…")


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (0600); SQLite gives its -wal and -shm files the
    same mode. It holds the saved (sealed) keys and every customer's e-mail address. An existing file is
    left as it is."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError:  # a read-only folder, an odd file system: SQLite reports what it cannot open
        pass


def server_closed(dbapi_conn) -> bool:
    """Whether the server has closed this idle connection, told without a round trip.

    An idle connection has nothing to read unless the server said goodbye: a restart, a shutdown,
    `pg_terminate_backend` or an idle timeout send an error and close the socket.
    """
    if dbapi_conn.closed or getattr(dbapi_conn, "broken", False):
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([dbapi_conn.fileno()], [], [], 0)[0])
    poller = select.poll()  # not select(): it refuses descriptors above 1023
    poller.register(dbapi_conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _one_process_per_connection(engine: Engine) -> None:
    """A pooled connection inherited through fork (gunicorn --preload) is left to its parent; the child opens its own.

    Two processes on one connection interleave their messages on one socket; and closing it in the
    child would close it under the parent, so the child only forgets it (SQLAlchemy's fork recipe).
    """
    event.listen(engine, "connect", _note_process)
    event.listen(engine, "checkout", _forget_if_inherited)


def _note_process(dbapi_conn, record) -> None:
    record.info["pid"] = os.getpid()


def _forget_if_inherited(dbapi_conn, record, proxy) -> None:
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise DisconnectionError("a connection opened by the parent process")  # the pool connects anew


def _replace_if_closed(dbapi_conn, record, proxy) -> None:
    if server_closed(dbapi_conn):
        raise DisconnectionError("the server closed this pooled connection")  # the pool connects anew


def _sqlite_connect(dbapi_conn, synchronous: str) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is DEFERRED).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # FULL syncs the WAL at every commit, so an acknowledged event survives a power loss; NORMAL is
    # faster but may lose the last commits on an OS crash (never on a worker crash).
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front: a deferred one could fail to upgrade mid-way.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
