"""The probe's fault switch: the next deliveries fail midway, as a database dropping its connection would.

Lets the conformance harness prove that a failure during a delivery is answered 5xx and that Stripe's retry
then applies the event exactly once. Each process keeps its own count (run one worker for that scenario).
"""

import threading

from sqlalchemy.exc import OperationalError

MAX_FAILURES = 100


class Faults:
    """How many more deliveries of a handled event fail before their transaction commits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.remaining = 0

    def arm(self, count: int) -> None:
        """Fail the next `count` deliveries (0 disarms)."""
        with self._lock:
            self.remaining = count

    def take(self) -> bool:
        """Whether this delivery must fail (and count it)."""
        with self._lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True


def injected_failure() -> OperationalError:
    """What the database driver raises when the connection drops mid-transaction."""
    return OperationalError("COMMIT", {}, ConnectionError("fault switch: connection lost before commit"))
