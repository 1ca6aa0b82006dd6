"""Firing the workload at a running platform and checking that every event was applied exactly once."""

from collections import Counter
from typing import Callable

import requests

from platform_adapter.schema import events as events_table, redeliveries
from platform_adapter.storage import Store
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import Attempt, Report, WebhookSender
from sqlalchemy import func, select

from tests.platform.support import SECRET, Probe
from tests.support.processes import StopSignal

from .workload import AT, Workload, inconsistencies, snapshot

DUPLICATES, CONCURRENCY = 2, 16  # each event delivered 3 times, 16 deliveries in flight


def create_accounts(probe: Probe, workload: Workload) -> None:
    """The accounts the events name, made through the conformance probe."""
    for ref in workload.refs:
        probe.create_account(email=f"{ref}@example.com", id=ref)


def fire(probe: Probe, workload: Workload, *, retry: str = "none", time_scale: float = 0.0,
         on_attempt: Callable[[Attempt], None] | None = None, stop: StopSignal | None = None) -> Report:
    """Every event 1 + DUPLICATES times, shuffled together, CONCURRENCY at a time.

    With `stop`, setting it ends the run at the next delivery, retry wait or callback (raising Stopped):
    a test that fails must not leave a sender retrying thousands of deliveries against a stopped server.
    """
    policy = DeliveryPolicy(order="shuffled", duplicates=DUPLICATES, retry=retry, concurrency=CONCURRENCY,
                            seed="scale", time_scale=time_scale, timeout=30)
    if stop is None:
        return WebhookSender(probe.webhook_url, [SECRET], policy, on_attempt=on_attempt).send(workload.events)
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only: no proxy
    post = session.post

    def post_unless_stopped(*args, **kwargs):
        stop.check()
        return post(*args, **kwargs)

    def seen(attempt: Attempt) -> None:
        stop.check()
        if on_attempt:
            on_attempt(attempt)

    session.post = post_unless_stopped
    return WebhookSender(probe.webhook_url, [SECRET], policy, session=session, sleep=stop.sleep,
                         on_attempt=seen).send(workload.events)


def assert_exactly_once(probe: Probe, store: Store, workload: Workload, report: Report) -> None:
    """Nothing lost, nothing applied twice, no 5xx, and every account as in-order single delivery left it."""
    statuses = Counter(a.status for a in report.attempts)
    assert report.ok, f"{len(report.failed)} deliveries never acknowledged: {report.failed[:3]}"
    assert not [s for s in statuses if s is not None and s >= 500], statuses
    ids = [e["id"] for e in workload.events]
    with store.read() as tx:
        stored = [row.id for row in tx.conn.execute(select(events_table.c.id))]
        logged = tx.conn.execute(select(func.count()).select_from(redeliveries)).scalar_one()
    assert len(stored) == len(set(stored)) == len(ids) and set(stored) == set(ids)
    # Each acknowledged delivery after the first is logged as a redelivery (a cut-off one may be too).
    acknowledged = sum(1 for a in report.attempts if a.ok)
    assert acknowledged - len(ids) <= logged <= len(report.attempts) - len(ids)
    actual = snapshot(store)
    for part in ("outcomes", "accounts", "links", "facts"):
        wrong = {k: (v, actual[part].get(k)) for k, v in workload.expected[part].items() if actual[part].get(k) != v}
        assert not wrong, f"{len(wrong)} {part} differ from in-order delivery, e.g. {list(wrong.items())[:3]}"
    assert not inconsistencies(store)
    answers = {ref: probe.account(ref, at=AT) for ref in workload.refs}
    wrong = {ref: (want, answers[ref]) for ref, want in workload.answers.items() if answers[ref] != want}
    assert not wrong, f"{len(wrong)} probe answers differ, e.g. {list(wrong.items())[:2]}"
