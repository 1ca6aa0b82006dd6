"""Webhook delivery off the request path: one worker thread per endpoint; order, duplicates and retries are the
delivery policy's (the same `DeliveryPolicy` and `WebhookSender` that `fire` uses)."""

import dataclasses
import heapq
import itertools
import logging
import threading
import time
from typing import Callable

from .policy import DeliveryPolicy
from .sender import WebhookSender

log = logging.getLogger(__name__)


class Outbox:
    """Queues signed deliveries per endpoint; a failed attempt is retried later without holding the queue.

    Events wait in a batch until `flush` (the state lock's outermost release): each endpoint's share of the batch
    is then queued in the policy's order, with its duplicates.
    """

    def __init__(self, *, time_scale: float, on_ack: Callable[[str, str], None], timeout: float = 10.0,
                 policy: DeliveryPolicy | None = None) -> None:
        self.policy = policy or DeliveryPolicy(retry="test", time_scale=time_scale, timeout=timeout)
        self.on_ack = on_ack
        self._batch: dict[str, list[dict]] = {}
        self._batches = 0
        self.records: list[dict] = []
        # Called with each attempt's record once it is kept (the CLI's delivery log, `listen`).
        self.observers: list[Callable[[dict], None]] = []
        self._cond = threading.Condition()
        self._queues: dict[str, list] = {}
        self._targets: dict[str, tuple[str, str]] = {}
        self._threads: dict[str, threading.Thread] = {}
        # One sender (and so one signer) per target for the outbox's life, not per worker run: a redelivery
        # (`events resend`, a retry) is signed at least a second after the last delivery of its event.
        self._senders: dict[tuple[str, str], WebhookSender] = {}
        self._busy = 0
        self._seq = itertools.count()
        self._closed = False

    def configure(self, endpoint_id: str, url: str, secret: str, enabled: bool) -> None:
        """Create or update where an endpoint's deliveries go; a disabled endpoint drops what it had queued."""
        with self._cond:
            if enabled:
                self._targets[endpoint_id] = (url, secret)
            else:
                self._targets.pop(endpoint_id, None)
                self._queues.pop(endpoint_id, None)
                self._batch.pop(endpoint_id, None)
            self._cond.notify_all()

    def set_policy(self, policy: DeliveryPolicy) -> None:
        """Deliver from the next batch on under `policy` (queued deliveries and retries keep their place)."""
        with self._cond:
            self.policy = policy

    def enqueue(self, endpoint_id: str, event: dict) -> None:
        """Add `event` to this endpoint's share of the current batch."""
        with self._cond:
            if self._closed or endpoint_id not in self._targets:
                return
            self._batch.setdefault(endpoint_id, []).append(event)

    def flush(self) -> None:
        """Queue the current batch: per endpoint in the policy's order (a fresh shuffle per batch) with duplicates."""
        with self._cond:
            if not self._batch:
                return
            batch, self._batch = self._batch, {}
            self._batches += 1
            policy = self.policy
            if policy.order == "shuffled":
                policy = dataclasses.replace(policy, seed=f"{policy.seed}:{self._batches}")
            now = time.monotonic()
            for endpoint_id, events in batch.items():
                if endpoint_id not in self._targets:
                    continue
                queue = self._queues.setdefault(endpoint_id, [])
                for event in policy.schedule(events):
                    heapq.heappush(queue, (now, next(self._seq), 1, event))
                if endpoint_id not in self._threads:
                    # A worker leaves _threads under this lock when it stops, so none is ever missed.
                    thread = threading.Thread(target=self._work, args=(endpoint_id,), daemon=True,
                                              name=f"fake-stripe-webhooks-{endpoint_id[-6:]}")
                    self._threads[endpoint_id] = thread
                    thread.start()
            self._cond.notify_all()

    def _pending(self) -> int:
        return self._busy + sum(len(q) for q in self._queues.values()) + sum(len(b) for b in self._batch.values())

    def pending(self) -> int:
        """Deliveries batched, queued, waiting for a retry, or in flight."""
        with self._cond:
            return self._pending()

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until nothing is pending (retries included); False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending() == 0, timeout=timeout)

    def clear(self) -> None:
        """Forget every endpoint, queued delivery and record; workers stop on their own."""
        with self._cond:
            self._targets.clear()
            self._queues.clear()
            self._batch.clear()
            self.records.clear()
            self._senders.clear()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the workers; undelivered events are dropped."""
        with self._cond:
            self._closed = True
            self._queues.clear()
            self._batch.clear()
            self._cond.notify_all()
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(timeout=2)
        with self._cond:
            self._closed = False

    def _next(self, endpoint_id: str) -> tuple | None:
        """Wait for this endpoint's next due delivery; None when the worker should stop."""
        with self._cond:
            while True:
                queue = self._queues.get(endpoint_id)
                if self._closed or endpoint_id not in self._targets or not queue:
                    self._queues.pop(endpoint_id, None)
                    self._threads.pop(endpoint_id, None)
                    self._cond.notify_all()
                    return None
                wait = queue[0][0] - time.monotonic()
                if wait <= 0:
                    self._busy += 1
                    return (*heapq.heappop(queue), self._targets[endpoint_id])
                self._cond.wait(timeout=wait)

    def _sender(self, target: tuple[str, str]) -> WebhookSender:
        """The sender to `target` (url, secret), under the current policy."""
        with self._cond:
            sender = self._senders.get(target)
            if sender is None:
                sender = self._senders[target] = WebhookSender(target[0], [target[1]], self.policy)
            sender.policy = self.policy
            return sender

    def _work(self, endpoint_id: str) -> None:
        while (item := self._next(endpoint_id)) is not None:
            _, _, number, event, target = item
            result = self._sender(target).attempt(event, number)
            self._finish(endpoint_id, target[0], event, number, result)

    def _finish(self, endpoint_id: str, url: str, event: dict, number: int, result) -> None:
        delay = None if result.ok else self.policy.retry_after(number)
        with self._cond:
            self._busy -= 1
            record = {
                "endpoint": endpoint_id, "url": url, "event": event["id"], "type": event["type"],
                "attempt": number, "status": result.status, "ok": result.ok, "response": result.response,
                "error": result.error, "latency_ms": round(result.latency_ms, 2), "at": time.time(),
                "next_retry_in": delay}
            self.records.append(record)
            if delay is not None and endpoint_id in self._targets:
                due = time.monotonic() + delay
                heapq.heappush(self._queues.setdefault(endpoint_id, []), (due, next(self._seq), number + 1, event))
            self._cond.notify_all()
        for observe in list(self.observers):
            observe(record)
        if result.ok:
            self.on_ack(event["id"], endpoint_id)
        log.debug("webhook %s %s -> %s attempt %d: %s", event["id"], event["type"], url, number, result.status)
