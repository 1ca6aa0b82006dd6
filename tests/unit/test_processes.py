"""The helpers that stop what a test started: a stuck child is killed, a retrying sender ends at once."""

import subprocess
import sys
import threading
import time

import pytest

from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import WebhookSender
from tests.support.processes import StopSignal, Stopped, stop_process
from tests.support.postgres import free_port

SECRET = "whsec_processes_0123456789"


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace():
    child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
                              "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"
    started = time.monotonic()
    assert stop_process(child, grace_s=0.5) == -9
    assert time.monotonic() - started < 10


def test_a_sender_retrying_against_a_dead_port_stops_when_asked():
    """The hang of issue 13: a sender kept retrying 3,000 deliveries after its test had failed."""
    stop = StopSignal()
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens: every attempt fails and is retried
    policy = DeliveryPolicy(retry="live", time_scale=1, concurrency=4)  # days of retries if not stopped
    sender = WebhookSender(url, [SECRET], policy, sleep=stop.sleep, on_attempt=lambda attempt: stop.check())
    errors = []

    def run() -> None:
        try:
            sender.send([{"id": f"evt_{i}", "type": "invoice.paid"} for i in range(50)])
        except Stopped as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        time.sleep(0.3)
        assert worker.is_alive()  # waiting for its first retry
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive() and errors


def test_stop_signal_sleeps_until_set():
    stop = StopSignal()
    stop.sleep(0.01)
    stop.check()
    stop.set()
    with pytest.raises(Stopped):
        stop.sleep(60)
    with pytest.raises(Stopped):
        stop.check()
