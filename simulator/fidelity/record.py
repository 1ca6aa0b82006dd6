"""Record stories against a Stripe API (real test mode or any base URL) into a cassette."""

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import stripe

from . import cassette
from .errors import KeyRefused, RecordError
from .feed import EventFeed
from .scripts import NEW_SECOND, SCRIPTS, Kit, next_second, script_name, steps
from .tape import TapedClient

STRIPE_API = "https://api.stripe.com"
LIVE_KEY = re.compile(r"^(sk|rk)_live_")
TEST_KEY = re.compile(r"^(sk|rk)_test_\S+$")


@dataclass
class Options:
    """How patient recording is: Stripe writes events and advances clocks asynchronously."""

    settle: float = 10.0          # a step's events are complete once none arrived for this long
    event_timeout: float = 60.0   # ... or after this long at most
    clock_timeout: float = 180.0  # a test clock must be ready within this


def check_key(key: str | None) -> str:
    """The key, if it is a test-mode secret or restricted key; live keys are refused outright."""
    if not key:
        raise KeyRefused("no API key: pass --api-key sk_test_… (or set STRIPE_API_KEY)")
    if LIVE_KEY.match(key):
        raise KeyRefused("refusing a live key: record runs only with test-mode keys (sk_test_… or rk_test_…)")
    if not TEST_KEY.match(key):
        raise KeyRefused("not a test-mode secret key: record needs sk_test_… or rk_test_…")
    return key


def anchor(now: float) -> int:
    """Where a story's test clock starts: noon UTC on the first of next month (far from the wall clock)."""
    today = datetime.fromtimestamp(now, tz=timezone.utc)
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    return int(first.timestamp())


class Recorder:
    """Runs stories through the stripe SDK and keeps their requests and events, step by step."""

    def __init__(self, api_key: str, api_base: str = STRIPE_API, options: Options | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_key, self.api_base = check_key(api_key), api_base.rstrip("/")
        self.options, self.clock, self.sleep = options or Options(), clock, sleep
        self.http = TapedClient(timeout=80)
        self.client = stripe.StripeClient(self.api_key, base_addresses={"api": self.api_base},
                                          http_client=self.http, max_network_retries=2)

    def cassette(self, names: list[str]) -> dict:
        """Record `names` in order into a new cassette."""
        tape = cassette.new(api_base=self.api_base, api_version=stripe.api_version,
                            sdk=f"stripe-python {stripe.VERSION}",
                            recorded_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for name in names:
            tape["stories"].append(self.story(name))
        return tape

    def _wait_ready(self, clock_id: str) -> None:
        deadline = time.monotonic() + self.options.clock_timeout
        with self.http.off_tape():
            while self.client.v1.test_helpers.test_clocks.retrieve(clock_id).status != "ready":
                if time.monotonic() > deadline:
                    raise RecordError(f"test clock {clock_id} not ready after {self.options.clock_timeout:.0f} s")
                self.sleep(1.0)

    def story(self, name: str) -> dict:
        """Record one story: setup, its steps, clean-up (always, even after a failed step)."""
        name = script_name(name)
        kit = Kit(self.client, name, anchor(self.clock()), self._wait_ready)
        feed = EventFeed(self.client)
        with self.http.off_tape():
            feed.mark()
        self.http.take()
        out = {"name": name, "title": SCRIPTS[name][0], "anchor": kit.anchor, "steps": [], "error": None}
        plan = steps(name)
        for index, (step_name, action) in enumerate(plan):
            if out["error"] and index < len(plan) - 1:
                continue  # after a failure only the clean-up runs
            if step_name in NEW_SECOND:
                next_second(self.clock, self.sleep)
            started = self.clock()
            try:
                action(kit)
            except (stripe.StripeError, RecordError) as exc:
                out["error"] = f"{step_name}: {getattr(exc, 'user_message', None) or exc}"
            except Exception as exc:  # an answer of a shape the story did not expect: still clean up
                out["error"] = f"{step_name}: {type(exc).__name__}: {exc}"
            requests = self.http.take()
            for request in requests:
                feed.learn(request["response"])
            with self.http.off_tape():
                events = feed.collect(settle=self.options.settle, timeout=self.options.event_timeout)
            out["steps"].append({"name": step_name, "wall": [int(started), int(self.clock()) + 1],
                                 "requests": requests, "events": events})
        return out
