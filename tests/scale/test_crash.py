"""Crash safety: a worker killed with SIGKILL in the middle of the load loses nothing and half-applies nothing.

The simulator's sender retries as Stripe does (its test-mode schedule, compressed), so the deliveries
the killed worker cut off are sent again and complete. PostgreSQL rolls back the killed worker's open
transaction when its connection drops (its log says "unexpected EOF on client connection with an open
transaction", which the test waits for); gunicorn starts a new worker meanwhile.
"""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from platform_adapter.storage import Store
from tests.platform.support import need

from .delivery import DUPLICATES, assert_exactly_once, create_accounts, fire
from .servers import Gunicorn, gunicorn

WORKERS = 4
TIME_SCALE = 0.001  # Stripe's test-mode retries after 60 s, 1 h, 3 h: here 0.06 s, 3.6 s, 10.8 s
MID_TRANSACTION = "unexpected EOF on client connection with an open transaction"
MAX_KILLS = 5


def kill_mid_transaction(server: Gunicorn, server_log: Path, cut: list, busy: threading.Thread) -> list[int]:
    """SIGKILL workers one at a time until one dies inside a transaction and cuts a delivery off."""
    before = server_log.read_text().count(MID_TRANSACTION)
    killed = []
    while len(killed) < MAX_KILLS and busy.is_alive():
        victim = next(pid for pid in server.worker_pids() if pid not in killed)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        deadline = time.time() + 2
        while time.time() < deadline:
            if cut and server_log.read_text().count(MID_TRANSACTION) > before:
                return killed
            time.sleep(0.02)
    return killed


@pytest.mark.postgres
def test_killing_a_worker_mid_load_loses_and_half_applies_nothing(postgres_server, fresh_postgres_url, tmp_path,
                                                                 catalogue, workload):
    need(Path("/proc/self/stat").exists(), "needs /proc to find gunicorn's workers")
    with gunicorn(fresh_postgres_url, WORKERS, tmp_path, catalogue.base) as server:
        create_accounts(server.probe, workload)
        attempts, cut, result = [], [], []

        def seen(attempt) -> None:
            attempts.append(attempt)
            if attempt.status is None:  # the connection broke: the sender will retry it
                cut.append(attempt)

        load = threading.Thread(target=lambda: result.append(
            fire(server.probe, workload, retry="test", time_scale=TIME_SCALE, on_attempt=seen)))
        load.start()
        total = len(workload.events) * (1 + DUPLICATES)
        while len(attempts) < total // 3 and load.is_alive():
            time.sleep(0.05)
        before = postgres_server.log_file.read_text().count(MID_TRANSACTION)
        killed = kill_mid_transaction(server, postgres_server.log_file, cut, load)
        load.join(timeout=120)
        assert not load.is_alive() and result, "the load did not finish"
        assert cut, f"killed {len(killed)} workers but no delivery was cut off"
        assert postgres_server.log_file.read_text().count(MID_TRANSACTION) > before, "no kill hit a transaction"
        assert len(attempts) > total, "the cut-off deliveries were not retried"
        store = Store(fresh_postgres_url)
        try:
            assert_exactly_once(server.probe, store, workload, result[0])
        finally:
            store.close()
        assert len(server.wait_for_workers(WORKERS)) == WORKERS  # gunicorn replaced the killed ones
