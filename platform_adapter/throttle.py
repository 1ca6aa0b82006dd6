"""Admin sign-in throttling: a pure rule for the delay, and its counters in the `login_throttle` table.

Each failed sign-in counts against the client's address and against all addresses together. From the
`after`-th failure on, the scope waits `base_s * 2**(failures - after)` seconds (at most `max_s`)
before the next attempt is even checked; a counter left alone for `FORGET_S` starts again from zero,
and a successful sign-in clears its address's counter.
"""

import math
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import delete, select

from .facts import Keys
from .schema import throttle_table
from .storage import Store
from .transaction import Tx

OVERALL = "overall"
FORGET_S = 3600.0
LOCK = Keys(ref="admin-sign-in-throttle")  # serialises attempts on PostgreSQL (SQLite's write lock does)


@dataclass(frozen=True)
class Rule:
    """When a scope starts waiting and how long."""

    after: int
    base_s: float
    max_s: float

    def delay(self, failures: int) -> float:
        """Seconds to wait after `failures` failures in a row."""
        if failures < self.after:
            return 0.0
        return min(self.base_s * 2.0 ** min(failures - self.after, 64), self.max_s)


PER_ADDRESS = Rule(after=5, base_s=1.0, max_s=900.0)
ALL_ADDRESSES = Rule(after=50, base_s=1.0, max_s=300.0)


@dataclass(frozen=True)
class Count:
    """One scope's failures so far and until when it must wait."""

    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


def counted(count: Count | None, now: float) -> Count:
    """The count in force now: a forgotten one starts again from zero."""
    if count is None or now - count.last_failure >= FORGET_S:
        return Count()
    return count


def after_failure(rule: Rule, count: Count | None, now: float) -> Count:
    """The count after one more failure at `now`."""
    failures = counted(count, now).failures + 1
    return Count(failures, now, now + rule.delay(failures))


def retry_after(seconds: float) -> int:
    """A wait as the whole seconds of a Retry-After header (never 0 while there is any wait)."""
    return max(1, math.ceil(seconds))


def _scopes(address: str) -> dict[str, Rule]:
    return {f"address:{address}"[:100]: PER_ADDRESS, OVERALL: ALL_ADDRESSES}


def _read(tx: Tx, scopes) -> dict[str, Count]:
    rows = tx.conn.execute(select(throttle_table).where(throttle_table.c.scope.in_(list(scopes))))
    return {row.scope: Count(row.failures, row.last_failure, row.blocked_until) for row in rows}


def wait_s(tx: Tx, address: str, now: float) -> float:
    """Seconds the address must still wait before its next attempt is checked (0: check it now)."""
    counts = _read(tx, _scopes(address))
    return max([c.blocked_until - now for c in counts.values()] + [0.0])


def attempt(store: Store, address: str, now: float, password_ok: Callable[[], bool]) -> tuple[bool, float]:
    """Check a sign-in unless its address must wait: (wrong password, seconds to wait now)."""
    # A flood of attempts while waiting only reads, so it never queues behind the webhook's writes.
    with store.read() as tx:
        wait = wait_s(tx, address, now)
    if wait > 0:
        return False, wait
    with store.write() as tx:
        tx.lock_keys(LOCK)
        wait = wait_s(tx, address, now)  # again under the lock: another worker may have counted meanwhile
        if wait > 0:
            return False, wait
        if password_ok():
            succeeded(tx, address)
            return False, 0.0
        return True, failed(tx, address, now)


def failed(tx: Tx, address: str, now: float) -> float:
    """Count a failure; the seconds the address must now wait."""
    scopes = _scopes(address)
    counts = _read(tx, scopes)
    table = throttle_table
    tx.conn.execute(delete(table).where(table.c.last_failure < now - FORGET_S))  # keeps the table small
    tx.conn.execute(delete(table).where(table.c.scope.in_(list(scopes))))
    new = {scope: after_failure(rule, counts.get(scope), now) for scope, rule in scopes.items()}
    tx.conn.execute(table.insert(), [{"scope": scope, "failures": c.failures, "last_failure": c.last_failure,
                                      "blocked_until": c.blocked_until} for scope, c in new.items()])
    return max(c.blocked_until for c in new.values()) - now


def succeeded(tx: Tx, address: str) -> None:
    """A successful sign-in clears its address's counter (the overall one only fades with time)."""
    tx.conn.execute(delete(throttle_table).where(throttle_table.c.scope == next(iter(_scopes(address)))))
