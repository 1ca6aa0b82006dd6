"""Sandboxes: each secret key is its own Stripe account, with its own objects, ids, clock, events and webhooks."""

import dataclasses
import secrets
import threading
import time
from typing import Callable

from ..api.context import IdempotencyCache, mask
from ..delivery.outbox import Outbox
from ..delivery.policy import DeliveryPolicy
from ..engine.events import acknowledge
from ..engine.model import new_state
from ..engine.seed import load_seed
from ..engine.errors import AuthenticationFailed
from ..engine import state as state_module
from ..engine.state import ACCOUNT_ID
from ..errors import InvalidOption


class Sandbox:
    """One account of the fake: its state (objects, ids, clock, scheduled work), idempotency cache and outbox."""

    def __init__(self, id: str, *, clock: Callable[[], float] | None, id_seed: str, policy: DeliveryPolicy,
                 on_change: Callable[[], None], created: int) -> None:
        self.id, self.created, self.keys = id, created, set()
        self.state = new_state(clock, id_seed=id_seed)
        self.state.account_id = id
        self.idempotency = IdempotencyCache()
        self.outbox = Outbox(time_scale=policy.time_scale, policy=policy,
                             on_ack=lambda event, endpoint: acknowledge(self.state, event, endpoint))
        self.state.outbox = self.outbox
        self.changed = on_change

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

    def advance_in_steps(self, target: int, step: int | None = None) -> int:
        """Move the account clock to `target`, running the work due by then `step` jobs at a time: the state lock is
        let go between steps, so other requests (and each step's webhooks) go on during a long move."""
        step = step or state_module.STEP_JOBS
        while True:
            with self.state.lock:
                ran = self.state.run_due(None, target, limit=step)
                if ran < step:
                    now = self.state.settle_clock(target)
                    break
            self.state.lock.pause()
        self.changed()
        return now

    @property
    def delivery(self) -> DeliveryPolicy:
        """How this account's webhooks go out: order, seed, duplicates, retry profile, time scale."""
        return self.outbox.policy

    def set_delivery(self, **changes) -> DeliveryPolicy:
        """Change delivery options for the events made from now on (InvalidOption names a bad value)."""
        policy = dataclasses.replace(self.outbox.policy, **changes)
        self.outbox.set_policy(policy)
        return policy

    @property
    def deliveries(self) -> list[dict]:
        """Every webhook delivery attempt so far (endpoint, event, attempt, status, response, error)."""
        return list(self.outbox.records)

    def wait_for_deliveries(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery (retries included) is done; False if `timeout` ran out first."""
        return self.outbox.wait(timeout)

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

    def summary(self) -> dict:
        """What `/_sim/sandboxes` lists: never a whole key."""
        store = self.state.store
        return {"id": self.id, "object": "sandbox", "created": self.created, "keys": sorted(mask(k) for k in self.keys),
                "livemode": False, "counts": {kind: store.count(kind) for kind in
                                              ("product", "price", "customer", "subscription", "event")}}


MODES = ("on-first-use", "registered")


class Sandboxes:
    """Every account of one fake, by id and by key; the first sandbox is the default one (`FakeStripe.state`).

    `on-first-use`: any test key reaches a sandbox, made for it on its first call. `registered`: only the keys
    the fake made (`create`, the key printed at start) or was pinned to; any other is refused as Stripe refuses
    a key it does not know."""

    def __init__(self, *, seed: str, clock: Callable[[], float] | None, id_seed: str, policy: DeliveryPolicy,
                 on_change: Callable[[], None], pinned_key: str | None = None, mode: str = "on-first-use") -> None:
        if mode not in MODES:
            raise InvalidOption(f"sandboxes must be one of {', '.join(MODES)}, got {mode!r}")
        self.seed, self.clock, self.id_seed, self.policy = seed, clock, id_seed, policy
        self.on_change, self.pinned_key, self.mode = on_change, pinned_key, mode
        self.by_id: dict[str, Sandbox] = {}
        # Called with each delivery attempt's record, in every sandbox (the CLI's traffic log).
        self.observers: list[Callable[[dict], None]] = []
        self.by_key: dict[str, Sandbox] = {}
        self.revoked: set[str] = set()  # the keys of dropped sandboxes: refused, as Stripe refuses a rolled key
        self.base_url = "http://127.0.0.1:12180"
        self._lock = threading.Lock()
        self._made = 0
        self.default = self._make(ACCOUNT_ID)
        if pinned_key:
            self.bind(self.default, pinned_key)

    def adopt(self, account_id: str, created: int | None = None) -> Sandbox:
        """A sandbox restored from the state file, under its saved id."""
        with self._lock:
            sandbox = self._make(account_id)
        if created is not None:
            sandbox.created = created
        return sandbox

    def _make(self, account_id: str | None = None) -> Sandbox:
        index = self._made
        self._made += 1
        id_seed = self.id_seed if index == 0 else f"{self.id_seed}:{index}"
        account_id = account_id or "acct_1" + new_token(15)
        sandbox = Sandbox(account_id, clock=self.clock, id_seed=id_seed, policy=self.policy,
                          on_change=self.on_change, created=int(time.time()))
        sandbox.state.base_url = self.base_url
        sandbox.outbox.observers.extend(self.observers)
        self.by_id[account_id] = sandbox
        return sandbox

    def bind(self, sandbox: Sandbox, key: str) -> None:
        """Let `key` reach `sandbox`."""
        sandbox.keys.add(key)
        self.by_key[key] = sandbox

    def for_key(self, key: str) -> Sandbox:
        """The account `key` belongs to; an unknown key's is made (seeded like the fake) on its first use.

        The default sandbox belongs to the pinned key, else to the first key that calls."""
        sandbox = self.by_key.get(key)
        if sandbox is not None:
            return sandbox
        if key in self.revoked:
            raise AuthenticationFailed(f"Invalid API Key provided: {mask(key)} (its sandbox was dropped)")
        if self.mode == "registered":
            raise AuthenticationFailed(f"Invalid API Key provided: {mask(key)}")
        with self._lock:
            if key in self.by_key:
                return self.by_key[key]
            if not self.default.keys:
                self.bind(self.default, key)
                return self.default
            sandbox = self._make()
            if self.seed:
                sandbox.load_seed(self.seed)
            self.bind(sandbox, key)
            return sandbox

    def create(self, seed: str | None = None) -> tuple[Sandbox, str]:
        """A new, empty (or seeded) sandbox and the fresh secret key that reaches it."""
        with self._lock:
            sandbox = self._make()
            key = "sk_test_" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
            self.bind(sandbox, key)
        if seed:
            sandbox.load_seed(seed)
        self.on_change()
        return sandbox, key

    def drop(self, account_id: str) -> Sandbox:
        """Forget a sandbox and its keys (the default one cannot be dropped: reset it instead)."""
        with self._lock:
            sandbox = self.by_id.get(account_id)
            if sandbox is None:
                raise InvalidOption(f"no sandbox {account_id!r}")
            if sandbox is self.default:
                raise InvalidOption("the default sandbox cannot be dropped; reset it with POST /_sim/reset")
            del self.by_id[account_id]
            for key in sandbox.keys:
                self.by_key.pop(key, None)
            self.revoked |= sandbox.keys
        sandbox.outbox.close()
        self.on_change()
        return sandbox

    def holding(self, object_id: str) -> Sandbox | None:
        """The sandbox whose store has `object_id` (hosted pages are reached by a session id, without a key)."""
        for sandbox in list(self.by_id.values()):
            if sandbox.state.store.get(object_id) is not None:
                return sandbox
        return None

    def observe(self, observer: Callable[[dict], None]) -> None:
        """Call `observer` with every delivery attempt of every sandbox, present and to come."""
        self.observers.append(observer)
        for sandbox in self.all():
            sandbox.outbox.observers.append(observer)

    def all(self) -> list[Sandbox]:
        """Every sandbox, the default one first."""
        return list(self.by_id.values())

    def set_base_url(self, base: str) -> None:
        """Where hosted pages are served (each sandbox's session URLs point there)."""
        self.base_url = base
        for sandbox in self.all():
            sandbox.state.base_url = base


def new_token(length: int) -> str:
    """Random id characters (sandbox ids must not repeat across restarts)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))
