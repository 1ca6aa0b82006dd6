"""One fake Stripe account's state: objects, ids, clocks, scheduled work, idempotency and the outbox."""

import heapq
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ..ids import ALPHABET, IdFactory, make_id
from ..versions import CURRENT
from .store import Store

ACCOUNT_ID = "acct_1SimplexMeeting0"
# Scheduled jobs one step of a long clock move runs before it lets other requests in (BatchLock.let_others_in).
STEP_JOBS = 50

class FakeClock:
    """The account's wall clock: a source (real time by default) plus an offset that only grows."""

    def __init__(self, source: Callable[[], float] | None = None, offset: int = 0) -> None:
        self.source = source or time.time
        self.offset = offset
        self.pinned: int | None = None

    def now(self) -> int:
        """Current fake time; while scheduled work runs, the time it was due."""
        return self.pinned if self.pinned is not None else int(self.source()) + self.offset


class BatchLock:
    """The state's re-entrant lock: when its outermost holder lets go, the webhooks made meanwhile go out as one
    batch (so a delivery order such as `shuffled` applies to what one request or clock move made)."""

    def __init__(self, on_release: Callable[[], None]) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # only the owning thread touches it
        self.on_release = on_release

    def __enter__(self) -> "BatchLock":
        self._lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._depth == 1:
                self.on_release()
        finally:
            self._depth -= 1
            self._lock.release()

    def let_others_in(self) -> None:
        """Between two steps of long work: send the batch made so far, let go so the threads waiting for the lock
        run, then take it back. Does nothing for a nested holder, whose caller expects the lock held throughout."""
        if self._depth != 1:
            return
        self.on_release()
        self._depth = 0
        self._lock.release()
        try:
            self.pause()
        finally:
            self._lock.acquire()
            self._depth = 1

    def pause(self) -> None:
        """What a long move does while it has let go of the lock: give the waiting threads their turn."""
        time.sleep(0)


@dataclass(order=True)
class Job:
    """A piece of work due at a time on one timeline (None: the account clock; else a test clock id)."""

    due: int
    seq: int
    kind: str = field(compare=False)
    target: str = field(compare=False)


class State:
    """Everything one fake Stripe server knows; handlers hold `lock` while they read or write it."""

    def __init__(self, clock: FakeClock, *, id_seed: str = "fake", renderers: dict[str, Callable] | None = None,
                 versioned: frozenset[str] = frozenset(), runners: dict[str, Callable] | None = None) -> None:
        # The model's tables (engine/model.py): object type -> renderer(state, record, version); the types whose
        # shape differs between API versions; job kind -> runner(state, target_id, due).
        self.renderers, self.versioned, self.runners = renderers or {}, versioned, runners or {}
        self.lock = BatchLock(self._flush)
        self.clock = clock
        self.id_seed = id_seed
        self._request_prefix = make_id("req", id_seed, 0)[4:8]
        self._request_lock = threading.Lock()  # request ids are handed out before the state lock is taken
        self.default_version = CURRENT
        self.base_url = "http://127.0.0.1:12180"
        self.account_id = ACCOUNT_ID  # each sandbox of a fake has its own
        self.outbox = None  # set by FakeStripe: receives (endpoint, event) deliveries
        # Which payload shapes (rendering.SHAPES names) an event freezes at creation; None: all of them.
        self.event_shapes: tuple[str, ...] | None = None
        self.clear()

    def clear(self) -> None:
        """Forget every object, id, scheduled job and the clock offset (configuration stays)."""
        self.store = Store()
        self.ids = IdFactory(self.id_seed)
        # Request ids come from their own counter so reads never shift the ids of objects.
        self.request_ids = IdFactory(f"{self.id_seed}:requests")
        self.jobs: dict[str | None, list[Job]] = {}
        self.job_seq = 0
        self.due_now: set[str] = set()  # test clocks given work due at their current time (catch_up runs it)
        self.lookup_keys: dict[str, str] = {}  # price lookup_key -> price id (Stripe keeps them unique)
        self.clock.offset, self.clock.pinned = 0, None

    def _flush(self) -> None:
        if self.outbox is not None:
            self.outbox.flush()

    # ---- time -------------------------------------------------------------------------
    def now(self, test_clock: str | None = None) -> int:
        """Current time on the account clock, or on a test clock."""
        if test_clock is not None:
            clock = self.store.get(test_clock)
            if clock is not None:
                return clock["frozen_time"]
        return self.clock.now()

    def schedule(self, test_clock: str | None, due: int, kind: str, target: str) -> None:
        """Run the runner of `kind` on (state, target, due) once `due` is reached on that timeline."""
        self.job_seq += 1
        heapq.heappush(self.jobs.setdefault(test_clock, []), Job(due, self.job_seq, kind, target))
        if test_clock is not None and due <= self.now(test_clock):
            self.due_now.add(test_clock)

    def run_due(self, test_clock: str | None, until: int, limit: int | None = None) -> int:
        """Run every job due up to `until` in time order (jobs may schedule more), or the first `limit` of them;
        return how many ran."""
        heap, ran = self.jobs.get(test_clock, []), 0
        while heap and heap[0].due <= until and (limit is None or ran < limit):
            job = heapq.heappop(heap)
            self._pin(test_clock, job.due)
            try:
                self.runners[job.kind](self, job.target, job.due)
            finally:
                self._unpin(test_clock)
            ran += 1
        return ran

    def _pin(self, test_clock: str | None, at: int) -> None:
        if test_clock is None:
            self.clock.pinned = max(at, self.clock.pinned or at)
        else:
            clock = self.store.get(test_clock)
            clock["frozen_time"] = max(at, clock["frozen_time"])

    def _unpin(self, test_clock: str | None) -> None:
        if test_clock is None:
            self.clock.pinned = None

    def catch_up(self) -> None:
        """Run account-clock work that real time has made due, and work due now on a test clock (called before
        and after every request, so what a request made due at once happens before the next one)."""
        heap = self.jobs.get(None)
        if heap and heap[0].due <= self.clock.now():
            self.run_due(None, self.clock.now())
        while self.due_now:
            test_clock = self.due_now.pop()
            self.run_due(test_clock, self.now(test_clock))

    def advance(self, *, seconds: int | None = None, to: int | None = None) -> int:
        """Move the account clock forward and run everything that falls due; return the new time."""
        target = self.target_of(seconds=seconds, to=to)
        self.run_due(None, target)
        return self.settle_clock(target)

    def target_of(self, *, seconds: int | None = None, to: int | None = None) -> int:
        """Where a move of the account clock ends; ValueError for a move back in time."""
        now = self.clock.now()
        target = now + (seconds or 0) if to is None else to
        if target < now:
            raise ValueError(f"the clock only moves forward: {target} is before {now}")
        return target

    def settle_clock(self, target: int) -> int:
        """Put the account clock at `target` once the work due by then has run; return the new time."""
        self.clock.offset += max(0, target - self.clock.now())
        return self.clock.now()

    # ---- ids --------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """A fresh, deterministic object id."""
        return self.ids.new(prefix)

    def new_request_id(self) -> str:
        """A fresh `req_…` id for a response (a counter in base 62: hashing one per request costs too much)."""
        with self._request_lock:
            self.request_ids.counter += 1
            number = self.request_ids.counter
        digits = []
        while number:
            number, digit = divmod(number, 62)
            digits.append(ALPHABET[digit])
        return f"req_{self._request_prefix}{''.join(reversed(digits)).rjust(10, '0')}"
