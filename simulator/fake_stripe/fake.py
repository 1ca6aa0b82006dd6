"""FakeStripe: one in-memory fake Stripe account with its HTTP app, clock, outbox and optional state file."""

import dataclasses
import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..api.app import create_app
from ..api.context import IdempotencyCache
from ..api.server import running
from ..delivery.outbox import Outbox
from ..delivery.policy import DeliveryPolicy
from ..engine.events import acknowledge
from ..engine.model import new_state
from ..engine.seed import load_seed
from ..engine.destinations import restore as restore_destinations
from ..engine.webhooks import restore_outbox
from .persistence import StateFile, read, restore

log = logging.getLogger(__name__)


class FakeStripe:
    """A stateful fake of Stripe's test mode; every instance has its own store (no module globals)."""

    def __init__(self, seed: str = "empty", state_file: str | None = None, api_key: str | None = None,
                 clock: Callable[[], float] | None = None, time_scale: float = 0.001, *, id_seed: str = "fake",
                 delivery: DeliveryPolicy | None = None) -> None:
        self.api_key = api_key
        self.time_scale = time_scale
        self.state = new_state(clock, id_seed=id_seed)
        self.idempotency = IdempotencyCache()
        self.outbox = Outbox(time_scale=time_scale, policy=delivery,
                             on_ack=lambda event, endpoint: acknowledge(self.state, event, endpoint))
        self.time_scale = self.outbox.policy.time_scale
        self.state.outbox = self.outbox
        self.state_file = StateFile(state_file, self.state) if state_file else None
        saved = read(state_file) if state_file else None
        if saved is not None:
            restore(self.state, saved)
            restore_outbox(self.state)
            restore_destinations(self.state)
        elif seed:
            self.load_seed(seed)
        self.app = create_app(self)

    # ---- time ---------------------------------------------------------------------------
    @property
    def now(self) -> int:
        """The account clock (unix seconds)."""
        return self.state.now()

    def advance(self, seconds: int | None = None, to: int | None = None) -> int:
        """Move the account clock forward, running every renewal, retry and expiry that falls due."""
        with self.state.lock:
            now = self.state.advance(seconds=seconds, to=to)
        self.changed()
        return now

    # ---- webhooks -----------------------------------------------------------------------
    @property
    def delivery(self) -> DeliveryPolicy:
        """How webhooks go out: order, seed, duplicates, retry profile, time scale."""
        return self.outbox.policy

    def set_delivery(self, **changes) -> DeliveryPolicy:
        """Change delivery options for the events made from now on (InvalidOption names a bad value)."""
        policy = dataclasses.replace(self.outbox.policy, **changes)
        self.outbox.set_policy(policy)
        self.time_scale = policy.time_scale
        return policy

    @property
    def deliveries(self) -> list[dict]:
        """Every webhook delivery attempt so far (endpoint, event, attempt, status, response, error)."""
        return list(self.outbox.records)

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery (retries included) is done; False if `timeout` ran out first."""
        return self.outbox.wait(timeout)

    # ---- state --------------------------------------------------------------------------
    def load_seed(self, name: str) -> dict:
        """Add a named seed's objects (`guide` or `empty`)."""
        with self.state.lock:
            created = load_seed(self.state, name)
        self.changed()
        return created

    def reset(self) -> None:
        """Forget everything: objects, events, endpoints, scheduled work, deliveries and the clock offset."""
        with self.state.lock:
            self.outbox.clear()
            self.state.clear()
            self.idempotency.entries.clear()
        self.changed()

    def changed(self) -> None:
        """Note a write, so the state file (if any) is saved soon."""
        if self.state_file is not None:
            self.state_file.changed()

    def close(self) -> None:
        """Stop delivery workers and write the state file one last time."""
        self.outbox.close()
        if self.state_file is not None:
            self.state_file.close()

    # ---- serving ------------------------------------------------------------------------
    @contextmanager
    def serving(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve the API, hosted pages and /_sim helpers on one port; yields the base URL."""
        with running(self.app, host, port) as (bound_host, bound_port):
            base = f"http://{bound_host}:{bound_port}"
            self.state.base_url = base
            log.info("fake Stripe listening on %s", base)
            try:
                yield base
            finally:
                self.close()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll `predicate` until true (handy for webhook assertions); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()
