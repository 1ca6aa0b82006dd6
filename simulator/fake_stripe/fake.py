"""FakeStripe: in-memory fake Stripe accounts (one per secret key) with their HTTP app, clocks, outboxes and an
optional state file."""

import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..api.app import create_app
from ..api.server import running
from ..delivery.outbox import Outbox
from ..delivery.policy import DeliveryPolicy
from ..engine.state import State
from .persistence import StateFile, read, restore_all
from .sandboxes import Sandbox, Sandboxes

log = logging.getLogger(__name__)


class FakeStripe:
    """A stateful fake of Stripe's test mode; every instance has its own sandboxes (no module globals).

    Each secret key is its own account (a `Sandbox`), made and seeded like the fake on the key's first call (or,
    with `sandboxes="registered"`, only the keys the fake made). The members below without a key (`state`,
    `advance`, `deliveries`, …) are the default sandbox's: the pinned `api_key`'s, else the first caller's."""

    def __init__(self, seed: str = "empty", state_file: str | None = None, api_key: str | None = None,
                 clock: Callable[[], float] | None = None, time_scale: float = 0.001, *, id_seed: str = "fake",
                 delivery: DeliveryPolicy | None = None, sandboxes: str = "on-first-use") -> None:
        self.api_key = api_key
        policy = delivery or DeliveryPolicy(retry="test", time_scale=time_scale, timeout=10.0)
        self.time_scale = policy.time_scale
        self.sandboxes = Sandboxes(seed=seed, clock=clock, id_seed=id_seed, policy=policy, on_change=self.changed,
                                   pinned_key=api_key, mode=sandboxes)
        self.state_file = None
        saved = read(state_file) if state_file else None
        if saved is not None:
            restore_all(self.sandboxes, saved)
        elif seed:
            self.load_seed(seed)
        self.state_file = StateFile(state_file, self.sandboxes) if state_file else None
        self.app = create_app(self)

    # ---- the default sandbox ------------------------------------------------------------
    @property
    def default(self) -> Sandbox:
        """The default sandbox (the pinned key's, else the first caller's)."""
        return self.sandboxes.default

    @property
    def state(self) -> State:
        """The default sandbox's state."""
        return self.sandboxes.default.state

    @property
    def outbox(self) -> Outbox:
        """The default sandbox's outbox."""
        return self.sandboxes.default.outbox

    @property
    def now(self) -> int:
        """The default sandbox's clock (unix seconds)."""
        return self.default.now

    def advance(self, seconds: int | None = None, to: int | None = None) -> int:
        """Move the default sandbox's clock forward, running every renewal, retry and expiry that falls due."""
        return self.default.advance(seconds=seconds, to=to)

    @property
    def delivery(self) -> DeliveryPolicy:
        """How the default sandbox's webhooks go out: order, seed, duplicates, retry profile, time scale."""
        return self.default.delivery

    def set_delivery(self, **changes) -> DeliveryPolicy:
        """Change delivery options for the events made from now on, in every sandbox and the ones to come."""
        policy = self.default.set_delivery(**changes)
        for sandbox in self.sandboxes.all():
            sandbox.set_delivery(**changes)
        self.sandboxes.policy = policy
        self.time_scale = policy.time_scale
        return policy

    @property
    def deliveries(self) -> list[dict]:
        """Every webhook delivery attempt of the default sandbox so far."""
        return self.default.deliveries

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        """Block until every sandbox's queued deliveries (retries included) are done; False on timeout."""
        deadline = time.monotonic() + timeout
        return all(s.wait_for_deliveries(max(0.0, deadline - time.monotonic())) for s in self.sandboxes.all())

    def load_seed(self, name: str) -> dict:
        """Add a named seed's objects (`guide` or `empty`) to the default sandbox."""
        return self.default.load_seed(name)

    def reset(self) -> None:
        """Forget everything in the default sandbox: objects, events, endpoints, scheduled work, deliveries."""
        self.default.reset()

    # ---- every sandbox ------------------------------------------------------------------
    def sandbox(self, key: str) -> Sandbox:
        """The sandbox of a secret key (made and seeded on first use)."""
        return self.sandboxes.for_key(key)

    def changed(self) -> None:
        """Note a write, so the state file (if any) is saved soon."""
        if self.state_file is not None:
            self.state_file.changed()

    def close(self) -> None:
        """Stop delivery workers and write the state file one last time."""
        for sandbox in self.sandboxes.all():
            sandbox.outbox.close()
        if self.state_file is not None:
            self.state_file.close()

    # ---- serving ------------------------------------------------------------------------
    @contextmanager
    def serving(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve the API, hosted pages and /_sim helpers on one port; yields the base URL."""
        with running(self.app, host, port) as (bound_host, bound_port):
            base = f"http://{bound_host}:{bound_port}"
            self.sandboxes.set_base_url(base)
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
