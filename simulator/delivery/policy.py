"""Stripe's delivery behaviour as pure policy: ordering, duplicates and retry schedules."""

import random
from dataclasses import dataclass

from ..errors import InvalidOption

ORDERS = ("in-order", "shuffled", "reversed")

# Delays (seconds) before each retry after the first failed attempt. Test mode retries 3 times
# over a few hours; live mode backs off exponentially for up to 3 days.
RETRY_PROFILES: dict[str, tuple[float, ...]] = {
    "none": (),
    "test": (60.0, 3600.0, 3 * 3600.0),
    "live": (60.0, 300.0, 1800.0, 3600.0, 2 * 3600.0, 4 * 3600.0, 8 * 3600.0, 16 * 3600.0,
             24 * 3600.0, 24 * 3600.0, 24 * 3600.0),
}


@dataclass(frozen=True)
class DeliveryPolicy:
    """How a batch of events reaches a target."""

    order: str = "in-order"
    duplicates: int = 0
    retry: str = "test"
    time_scale: float = 1.0
    timeout: float = 10.0
    concurrency: int = 1
    seed: int | str = 0

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise InvalidOption(f"unknown order {self.order!r}; use one of {', '.join(ORDERS)}")
        if self.retry not in RETRY_PROFILES:
            raise InvalidOption(f"unknown retry profile {self.retry!r}; use one of {', '.join(RETRY_PROFILES)}")
        if self.duplicates < 0 or self.concurrency < 1 or self.time_scale < 0 or self.timeout <= 0:
            raise InvalidOption("--duplicates >= 0, --concurrency >= 1, --time-scale >= 0 and a positive timeout")

    def retry_delays(self) -> list[float]:
        """Seconds to wait before each retry, compressed by the time scale."""
        return [d * self.time_scale for d in RETRY_PROFILES[self.retry]]

    def retry_after(self, attempt: int) -> float | None:
        """Seconds from failed attempt number `attempt` to the next one; None once the profile is spent."""
        delays = self.retry_delays()
        return delays[attempt - 1] if 1 <= attempt <= len(delays) else None

    def schedule(self, events: list[dict]) -> list[dict]:
        """The deliveries to make, in order: each event plus its duplicates (same id)."""
        copies = [e for e in events for _ in range(1 + self.duplicates)]
        if self.order == "reversed":
            return copies[::-1]
        if self.order == "shuffled":
            random.Random(str(self.seed)).shuffle(copies)
        return copies
