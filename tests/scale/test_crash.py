"""Crash safety: a worker killed with SIGKILL in the middle of the load loses nothing and half-applies nothing.

The simulator's sender retries as Stripe does (its test-mode schedule, compressed), so the deliveries
the killed worker cut off are sent again and complete. PostgreSQL rolls back the killed worker's open
transaction when its connection drops, and logs "unexpected EOF on client connection with an open
transaction": a kill that misses (the worker between transactions) is followed by another, until one
hits. gunicorn starts a new worker for each.
"""

import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from platform_adapter.storage import Store
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import WebhookSender
from tests.platform.support import SECRET
from tests.support.required import need
from tests.support.processes import StopSignal, Stopped

from .delivery import DUPLICATES, assert_exactly_once, create_accounts, fire
from .servers import Gunicorn, gunicorn

log = logging.getLogger(__name__)
WORKERS = 4
TIME_SCALE = 0.001  # Stripe's test-mode retries after 60 s, 1 h, 3 h: here 0.06 s, 3.6 s, 10.8 s
MID_TRANSACTION = "unexpected EOF on client connection with an open transaction"
MAX_KILLS = 40  # on a loaded machine most kills land between transactions: keep trying while the load runs
LOAD_TIMEOUT_S = 240  # 3,000 deliveries and their retries on a busy 2-core machine
SETTLED_S = 1.0  # a worker younger than this may still be starting: killing it would cut nothing


def kill_mid_transaction(server: Gunicorn, server_log: Path, busy: threading.Thread) -> list[int]:
    """SIGKILL serving workers, one at a time, until PostgreSQL reports one died inside a transaction."""
    before = server_log.read_text().count(MID_TRANSACTION)
    born = {pid: 0.0 for pid in server.worker_pids()}  # the first workers have been serving for a while
    killed: list[int] = []
    while len(killed) < MAX_KILLS and busy.is_alive():
        now = time.time()
        serving = [pid for pid in server.worker_pids() if now - born.setdefault(pid, now) > SETTLED_S]
        if not serving:
            time.sleep(0.05)
            continue
        os.kill(serving[0], signal.SIGKILL)
        killed.append(serving[0])
        while time.time() < now + 0.3:  # PostgreSQL logs the lost connection at once
            if server_log.read_text().count(MID_TRANSACTION) > before:
                return killed
            time.sleep(0.02)
    return killed


@pytest.mark.slow
@pytest.mark.timeout(600)  # LOAD_TIMEOUT_S for the load, plus starting gunicorn and the accounts
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

        stop = StopSignal()

        def run() -> None:
            try:
                result.append(fire(server.probe, workload, retry="test", time_scale=TIME_SCALE, on_attempt=seen,
                                   stop=stop))
            except Stopped:  # the test gave up: see the assertions below
                pass

        # A daemon thread, stopped in `finally`: a failing test must not leave it retrying after pytest ends.
        load = threading.Thread(target=run, name="crash-load", daemon=True)
        load.start()
        try:
            total = len(workload.events) * (1 + DUPLICATES)
            while len(attempts) < total // 4 and load.is_alive():
                time.sleep(0.05)
            before = postgres_server.log_file.read_text().count(MID_TRANSACTION)
            killed = kill_mid_transaction(server, postgres_server.log_file, load)
            load.join(timeout=LOAD_TIMEOUT_S)
        finally:
            stop.set()
            load.join(timeout=60)
        log.info("killed %d worker(s); %d deliveries cut off; %d attempts", len(killed), len(cut), len(attempts))
        assert result, "the load did not finish"
        assert cut, f"killed {len(killed)} workers but no delivery was cut off"
        assert postgres_server.log_file.read_text().count(MID_TRANSACTION) > before, \
            f"none of the {len(killed)} workers killed was inside a transaction"
        assert len(attempts) > total, "the cut-off deliveries were not retried"
        store = Store(fresh_postgres_url)
        try:
            assert_exactly_once(server.probe, store, workload, result[0])
        finally:
            store.close()
        assert len(server.wait_for_workers(WORKERS)) == WORKERS  # gunicorn replaced the killed ones


def test_an_answer_cut_off_mid_body_is_retried():
    """A worker dying while it writes its answer leaves a truncated body: a failed attempt, retried, not a crash."""
    answers = [b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{\"rec",
               b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve() -> None:
            for answer in answers:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(answer)

        threading.Thread(target=serve, daemon=True).start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
        policy = DeliveryPolicy(retry="test", time_scale=0)
        report = WebhookSender(url, [SECRET], policy).send([{"id": "evt_cut", "type": "invoice.paid"}])
    assert report.ok
    assert [a.status for a in report.attempts] == [None, 200]
    assert report.attempts[0].error.startswith("broken response")
