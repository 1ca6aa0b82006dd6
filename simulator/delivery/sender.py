"""Delivers signed events over HTTP with Stripe's headers, retries and concurrency."""

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import requests

from ..errors import InvalidOption, TargetUnreachable
from .policy import DeliveryPolicy
from .signing import Signer, check_secret

log = logging.getLogger(__name__)

BODY_HEAD = 200


@dataclass
class Attempt:
    """One HTTP attempt to deliver one event."""

    event_id: str
    type: str
    attempt: int
    status: int | None
    latency_ms: float
    response: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Stripe counts any 2xx as delivered."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Report:
    """Every attempt of a run and which deliveries finally failed."""

    attempts: list[Attempt] = field(default_factory=list)
    failed: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every delivery was finally acknowledged with a 2xx."""
        return not self.failed

    def to_dict(self) -> dict:
        """A JSON-ready report."""
        return {"ok": self.ok, "deliveries": sum(1 for a in self.attempts if a.attempt == 1),
                "attempts": [asdict(a) for a in self.attempts], "failed": [asdict(a) for a in self.failed]}


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL, else raise InvalidOption."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidOption(f"bad target URL {url!r}: expected http(s)://host[:port]/path")
    return url


def _session_for(url: str) -> requests.Session:
    """A session with the environment's proxy settings resolved once, not on every POST."""
    session = requests.Session()
    # requests re-reads *_proxy variables per request, which costs more than signing; read them once.
    session.proxies = requests.utils.get_environ_proxies(url)
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    return session


class WebhookSender:
    """Signs each delivery at send time and POSTs it, retrying as Stripe does."""

    def __init__(self, url: str, secrets: list[str], policy: DeliveryPolicy | None = None, *,
                 session: requests.Session | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, livemode: bool = False,
                 on_attempt: Callable[[Attempt], None] | None = None) -> None:
        if not secrets:
            raise InvalidOption("at least one webhook secret is needed")
        self.url = check_url(url)
        self.signer = Signer([check_secret(s) for s in secrets], clock=clock, livemode=livemode)
        self.policy = policy or DeliveryPolicy()
        self.session = session or _session_for(self.url)
        self.sleep = sleep
        self.on_attempt = on_attempt
        self._lock = threading.Lock()

    def attempt(self, event: dict, number: int) -> Attempt:
        """One POST of `event`, signed now."""
        body, headers = self.signer.sign_event(event)
        started = time.perf_counter()
        try:
            resp = self.session.post(self.url, data=body, headers=headers, timeout=self.policy.timeout,
                                     allow_redirects=False)
            result = Attempt(event["id"], event["type"], number, resp.status_code,
                             (time.perf_counter() - started) * 1000, resp.text[:BODY_HEAD])
        except requests.Timeout as exc:
            result = Attempt(event["id"], event["type"], number, None,
                             (time.perf_counter() - started) * 1000, "", f"timeout: {exc}")
        except requests.ConnectionError as exc:
            result = Attempt(event["id"], event["type"], number, None,
                             (time.perf_counter() - started) * 1000, "", f"connection failed: {exc}")
        except requests.RequestException as exc:  # e.g. the answer cut off mid-body: Stripe retries that too
            result = Attempt(event["id"], event["type"], number, None,
                             (time.perf_counter() - started) * 1000, "", f"broken response: {exc}")
        log.debug("delivery %s %s attempt %d -> %s", event["id"], event["type"], number, result.status)
        if self.on_attempt:
            self.on_attempt(result)
        return result

    def deliver(self, event: dict) -> list[Attempt]:
        """Deliver one event until a 2xx or the retry profile runs out."""
        attempts = [self.attempt(event, 1)]
        while not attempts[-1].ok and (delay := self.policy.retry_after(len(attempts))) is not None:
            self.sleep(delay)
            attempts.append(self.attempt(event, len(attempts) + 1))
        return attempts

    def send(self, events: list[dict]) -> Report:
        """Deliver a batch under the policy's order, duplicates and concurrency."""
        report = Report()
        deliveries = self.policy.schedule(events)

        def run(event: dict) -> None:
            attempts = self.deliver(event)
            with self._lock:
                report.attempts.extend(attempts)
                if not attempts[-1].ok:
                    report.failed.append(attempts[-1])

        if self.policy.concurrency == 1:
            for event in deliveries:
                run(event)
        else:
            with ThreadPoolExecutor(self.policy.concurrency) as pool:
                list(pool.map(run, deliveries))
        return report

    def probe(self) -> None:
        """Fail fast when the target cannot be reached at all (any HTTP answer will do)."""
        try:
            self.session.head(self.url, timeout=self.policy.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise TargetUnreachable(f"target {self.url} is unreachable ({type(exc).__name__})") from exc
