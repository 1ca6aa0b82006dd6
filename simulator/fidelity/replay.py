"""Replay a recorded story's requests at another Stripe API (the fake), with recorded ids mapped to new ones."""

import time
import uuid
from typing import Any, Callable
from urllib.parse import urlencode

import json

import stripe

from . import seeding
from .feed import EventFeed
from .ids import is_id
from .scripts import NEW_SECOND, next_second
from .tape import TapedClient

CLOCK_PATH = "/v1/test_helpers/test_clocks/"


def bind(recorded: Any, replayed: Any, mapping: dict[str, str]) -> None:
    """Learn recorded id -> replay id from two answers of the same request (first sighting wins)."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key, value in recorded.items():
            if key in replayed:
                bind(value, replayed[key], mapping)
    elif isinstance(recorded, list) and isinstance(replayed, list):
        for a, b in zip(recorded, replayed):
            bind(a, b, mapping)
    elif is_id(recorded) and isinstance(replayed, str):
        mapping.setdefault(recorded, replayed)


def translate(text: str, mapping: dict[str, str]) -> str:
    """A path or parameter with every recorded id replaced by its replay id."""
    if text in mapping:
        return mapping[text]
    if "/" in text:
        return "/".join(mapping.get(part, part) for part in text.split("/"))
    return text


class Replayer:
    """Sends a story's recorded requests through the SDK's HTTP client and collects the events they cause."""

    def __init__(self, api_base: str, api_key: str = "sk_test_simplex_stripe_compare", *,
                 settle: float = 0.0, event_timeout: float = 30.0, clock_timeout: float = 60.0,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_base, self.api_key = api_base.rstrip("/"), api_key
        self.settle, self.event_timeout, self.clock_timeout = settle, event_timeout, clock_timeout
        self.clock, self.sleep = clock, sleep
        self.http = TapedClient(timeout=60)
        self.client = stripe.StripeClient(api_key, base_addresses={"api": self.api_base}, http_client=self.http,
                                          max_network_retries=0)
        self.referenced: set[str] = set()
        self.unresolved: list[str] = []

    def _note(self, request: dict, mapping: dict[str, str]) -> None:
        """Count the recorded ids a request sends, and those the replay could not map (sent as recorded)."""
        for value in seeding.sent_values(request):
            if value in mapping or is_id(value):
                self.referenced.add(value)
                if value not in mapping and value not in self.unresolved:
                    self.unresolved.append(value)

    def _send(self, request: dict, mapping: dict[str, str], version: str | None, run: str) -> None:
        self._note(request, mapping)
        method, path = request["method"], translate(request["path"], mapping)
        params = [(key, translate(value, mapping)) for key, value in request["params"]]
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if request.get("stripe_version") or version:
            headers["Stripe-Version"] = request.get("stripe_version") or version
        url, body = f"{self.api_base}{path}", None
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(params)
            if request.get("idempotency_key"):
                # A fresh key per run (the same key twice would replay the first run's answer), mapped like an id.
                key = mapping.setdefault(request["idempotency_key"], f"{request['idempotency_key']}-{run}")
                headers["Idempotency-Key"] = key
        elif params:
            url += "?" + urlencode(params)
        if method == "GET" and path.startswith(CLOCK_PATH) and path.count("/") == 4:
            self._wait_ready(url, headers)
        self.http.request_with_retries(method, url, headers, body)

    def _wait_ready(self, url: str, headers: dict) -> None:
        """Test clocks advance asynchronously on Stripe: poll (off the tape) until ready, as the recorder did."""
        deadline = time.monotonic() + self.clock_timeout
        with self.http.off_tape():
            while time.monotonic() < deadline:
                body, status, _ = self.http.request_with_retries("GET", url, headers)
                if status != 200 or b'"ready"' in (body if isinstance(body, bytes) else body.encode()):
                    return
                self.sleep(0.5)

    def _create(self, version: str | None) -> Callable[[str, dict], dict]:
        def create(path: str, params: dict) -> dict:
            with self.http.off_tape():
                extra = {"stripe_version": version} if version else {}
                return json.loads(self.client.raw_request("post", path, **params, **extra).body)
        return create

    def story(self, recorded: dict, version: str | None, events_version: str | None = None, *,
              events: bool = True) -> dict:
        """Replay one recorded story; the result has the recorded story's shape (steps, requests, events), plus
        what was seeded first and how many of the recorded ids the replay could map."""
        mapping: dict[str, str] = {}
        self.referenced, self.unresolved = set(), []
        run = uuid.uuid4().hex[:12]
        feed = EventFeed(self.client, version=events_version)
        seeds = seeding.seed(recorded, self._create(version), mapping)
        with self.http.off_tape():
            feed.mark()
        out = {"name": recorded["name"], "title": recorded.get("title"), "anchor": recorded.get("anchor"),
               "steps": [], "error": None, "seeded": [seed.as_dict() for seed in seeds],
               "aliases": {seed.recorded: seed.replay for seed in seeds if seed.replay}}
        for step in recorded["steps"]:
            if step["name"] in NEW_SECOND:
                next_second(self.clock, self.sleep)
            started = self.clock()
            replayed = []
            for request in step["requests"]:
                self._send(request, mapping, version, run)
                answer = self.http.take()[-1]
                bind(request["response"], answer["response"], mapping)
                if request.get("request_id") and answer.get("request_id"):
                    mapping.setdefault(request["request_id"], answer["request_id"])
                feed.learn(answer["response"])
                replayed.append(answer)
            with self.http.off_tape():
                caused = feed.collect(settle=self.settle, timeout=self.event_timeout) if events else []
            out["steps"].append({"name": step["name"], "wall": [int(started), int(self.clock()) + 1],
                                 "requests": replayed, "events": caused})
        out["ids"] = {"referenced": len(self.referenced), "resolved": len(self.referenced) - len(self.unresolved),
                      "unresolved": list(self.unresolved)}
        return out
