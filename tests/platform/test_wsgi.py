"""The platform under gunicorn with several workers, as production runs it."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.util import find_spec

import pytest
import requests

from platform_adapter.storage import Store
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import WebhookSender

from tests.support.processes import stop_process

from .support import CATALOGUE, SECRET, TOKEN, Probe, sign, story

pytestmark = pytest.mark.slow  # starts gunicorn

READY_S = 60  # two workers importing Flask and SQLAlchemy on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_platform(tmp_path):
    if find_spec("gunicorn") is None:
        from tests.support.required import need
        need(False, "gunicorn is not installed (pip install gunicorn)")
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'platform.sqlite3'}")
    with store.write() as tx:  # no Stripe here: the catalogue is what the platform learned before
        for price, (product, metadata) in CATALOGUE.items():
            tx.remember_price(price, product, metadata, 0)
    store.close()
    port = free_port()
    env = {**os.environ, "STRIPE_SECRET_KEY": "sk_test_platform", "STRIPE_WEBHOOK_SECRET": SECRET,
           "SIMPLEX_DATA_DIR": str(data), "SIMPLEX_PROBE_TOKEN": TOKEN, "STRIPE_API_BASE": "http://127.0.0.1:9"}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as sink:  # a file, not a pipe: a full pipe would stall the workers
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", "platform_adapter.wsgi:app"], env=env, cwd=tmp_path,
                                stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + READY_S
        while True:
            try:
                requests.get(base + "/", timeout=5)
                break
            except requests.RequestException:  # not listening yet, or too busy starting to answer in time
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield Probe(base)
    finally:
        stop_process(proc)


def test_gunicorn_workers_apply_a_story_and_a_racing_event_once(gunicorn_platform):
    probe = gunicorn_platform
    ref = probe.create_account()
    events, world = story(["first-purchase", "renewal", "cancel-undo"], account=ref)
    policy = DeliveryPolicy(order="shuffled", duplicates=1, retry="none", concurrency=4, seed=3, time_scale=0)
    assert WebhookSender(probe.webhook_url, [SECRET], policy).send(events).ok
    account = probe.account(ref)
    assert (account["accountType"], account["autoRenew"]) == ("professional", True)
    assert account["paidUntil"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(world.subscription.period[1]))

    racer = story(["first-purchase"], account=ref, seed="race")[0]
    event = next(e for e in racer if e["type"] == "invoice.paid")
    body = json.dumps(event).encode()
    barrier = threading.Barrier(8)

    def post(_):
        header = sign(body)
        barrier.wait()
        return requests.post(probe.webhook_url, data=body, headers={"Stripe-Signature": header},
                             timeout=30).json()["outcome"]

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(post, range(8))) == ["applied"] + ["duplicate"] * 7


def test_gunicorn_answers_a_chunked_body_over_the_limit_413_and_closes(gunicorn_platform):
    from .test_hostile_input import raw_post
    body = json.dumps({"id": "evt_big", "padding": "x" * 3_000_000}).encode()
    pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
    chunks = [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]
    headers = f"Content-Type: application/json\r\nStripe-Signature: {sign(body)}\r\nTransfer-Encoding: chunked\r\n"
    received, took = raw_post(gunicorn_platform.base, headers, chunks, timeout=10)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert took < 10


def test_gunicorn_answers_414_and_431_and_closes_a_get_with_a_body(gunicorn_platform):
    from tests.support.rawhttp import exchange, statuses

    from .test_protocol import GET_WITH_BODY, LONG_HEADER, LONG_LINE
    assert statuses(exchange(gunicorn_platform.base, LONG_LINE)[0]) == [414]
    assert statuses(exchange(gunicorn_platform.base, LONG_HEADER)[0]) == [431]
    received, closed, _ = exchange(gunicorn_platform.base, GET_WITH_BODY)
    assert len(statuses(received)) == 1 and closed
