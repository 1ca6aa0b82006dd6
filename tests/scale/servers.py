"""The platform under `gunicorn -w N` on 127.0.0.1, on SQLite or PostgreSQL, with its workers' process ids."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Iterator

import requests

from tests.platform.support import SECRET, TOKEN, Probe
from tests.support.postgres import free_port
from tests.support.processes import stop_process
from tests.support.required import need


class Gunicorn:
    """A running gunicorn: the probe on its address and the master's pid."""

    def __init__(self, proc: subprocess.Popen, base: str, log: Path) -> None:
        self.proc, self.probe, self.log = proc, Probe(base), log

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (Linux)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):  # the process ended meanwhile
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def wait_for_workers(self, count: int, timeout: float = 60) -> list[int]:
        """Wait until `count` workers run and the platform answers."""
        deadline = time.time() + timeout
        while True:
            pids = self.worker_pids()
            try:
                if len(pids) >= count and requests.get(self.probe.base + "/", timeout=1).ok:
                    return pids
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"gunicorn did not start {count} workers: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)


@contextmanager
def gunicorn(database_url: str, workers: int, folder: Path, stripe_api_base: str, *,
             preload: bool = False) -> Iterator[Gunicorn]:
    """`gunicorn -w <workers> [--preload] platform_adapter.wsgi:app` with the probe on, stopped at the end."""
    need(find_spec("gunicorn") is not None, "gunicorn is not installed (pip install gunicorn)")
    env = {**os.environ, "STRIPE_SECRET_KEY": "sk_test_scale", "STRIPE_WEBHOOK_SECRET": SECRET,
           "SIMPLEX_DATABASE_URL": database_url, "SIMPLEX_DATA_DIR": str(folder / "data"),
           "SIMPLEX_PROBE_TOKEN": TOKEN, "STRIPE_API_BASE": stripe_api_base, "SIMPLEX_LOG_LEVEL": "WARNING"}
    log = folder / "gunicorn.log"
    port = free_port()
    with open(log, "wb") as sink:  # a file, not a pipe: a full pipe would stall the workers
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", *(["--preload"] if preload else []),
                                 "platform_adapter.wsgi:app"], env=env, cwd=folder,
                                stdout=sink, stderr=subprocess.STDOUT)
    server = Gunicorn(proc, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_for_workers(workers)
        yield server
    finally:
        stop_process(proc)
