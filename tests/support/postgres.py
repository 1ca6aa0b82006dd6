"""A throwaway PostgreSQL server on 127.0.0.1: `initdb` and `pg_ctl` in a temporary folder, stopped at the end.

Debian keeps the server binaries in /usr/lib/postgresql/<version>/bin (not on PATH); the newest
version found there is used, else `initdb`/`pg_ctl` from PATH. PostgreSQL refuses to run as root,
so under root every server command runs as the `postgres` user (`runuser -u postgres --`) in a
folder handed over to it. The server listens on 127.0.0.1 only, on a free port, with its socket
in the same folder, and trusts local connections (a test server, never a real one).
"""

import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)
SEARCH = "/usr/lib/postgresql/*/bin"
SUPERUSER = "simplex"
SERVICE_USER = "postgres"


def bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl (newest version first), or None."""
    found = sorted(Path("/").glob(SEARCH.lstrip("/")), key=lambda p: _version(p.parent.name), reverse=True)
    for folder in found:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path and shutil.which("initdb") else None


def _version(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in name.split("."))


def missing_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if find_spec("psycopg") is None:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if bin_dir() is None:
        return f"no PostgreSQL server binaries (initdb, pg_ctl) in {SEARCH} or on PATH (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return f"running as root and there is no {SERVICE_USER!r} user to run PostgreSQL as"
    return None


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server: its folder, port and how to reach it."""

    bins: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server (psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a server binary, as the postgres user under root."""
        command = [str(self.bins / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done

    def create_database(self, name: str) -> str:
        """Create a database (dropped with the server) and return its URL."""
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop at once: the data is thrown away anyway."""
        self.run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", check=False)


def _options(port: int, socket_dir: Path, durable: bool, max_connections: int) -> str:
    options = [f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir}",
               f"-c max_connections={max_connections}"]
    if not durable:  # a test server: its data may be lost with the machine, never with a process
        options.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    return " ".join(options)


@contextmanager
def running_postgres(*, durable: bool = False, max_connections: int = 100,
                     attempts: int = 3) -> Iterator[PostgresServer]:
    """Start a fresh server in a temporary folder, yield it, then stop it and delete the folder.

    `durable=False` turns fsync off (fine for tests); benchmarks pass True to measure the real cost.
    """
    reason = missing_reason()
    if reason:
        raise RuntimeError(reason)
    # In /tmp, not pytest's tmp_path: the postgres user must be able to reach the folder.
    root = Path(tempfile.mkdtemp(prefix="simplex-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, SERVICE_USER, SERVICE_USER)
    server = PostgresServer(bin_dir(), root, 0)
    try:
        server.run("initdb", "-D", str(server.data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--locale=C")
        for attempt in range(attempts):  # the free port may be taken between the check and the start
            server.port = free_port()
            started = server.run("pg_ctl", "-D", str(server.data_dir), "-l", str(server.log_file), "-w", "-t", "60",
                                 "-o", _options(server.port, root, durable, max_connections), "start", check=False)
            if started.returncode == 0:
                break
            log.warning("PostgreSQL did not start on port %d (attempt %d): %s", server.port, attempt + 1,
                        started.stdout + started.stderr)
            time.sleep(0.2)
        else:
            raise RuntimeError(f"PostgreSQL did not start: {server.log_file.read_text()[-2000:]}")
        yield server
    finally:
        if server.port:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
