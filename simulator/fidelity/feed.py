"""The events a step caused, read from GET /v1/events (no webhook endpoint needed)."""

import json
import time
from typing import Callable

import stripe

from .ids import mentioned

PAGE = 100


class EventFeed:
    """Events newer than a cursor that concern a story's objects, oldest first."""

    def __init__(self, client: stripe.StripeClient, *, version: str | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.version, self.sleep = client, version, sleep
        self.cursor: str | None = None
        self.known: set[str] = set()

    def _page(self, starting_after: str | None) -> dict:
        params: dict = {"limit": PAGE}
        if starting_after:
            params["starting_after"] = starting_after
        if self.version:
            params["stripe_version"] = self.version
        return json.loads(self.client.raw_request("get", "/v1/events", **params).body)

    def newer(self) -> list[dict]:
        """Every event created after the cursor, oldest first (any account activity included)."""
        out, after = [], None
        while True:
            page = self._page(after)
            for event in page["data"]:
                if event["id"] == self.cursor:
                    return out[::-1]
                out.append(event)
            if not page.get("has_more") or not page["data"]:
                return out[::-1]
            after = page["data"][-1]["id"]

    def mark(self) -> None:
        """Move the cursor to the newest event now."""
        page = self._page(None)
        if page["data"]:
            self.cursor = page["data"][0]["id"]

    def learn(self, value) -> None:
        """Remember the ids in a response: events that mention one of them belong to the story."""
        self.known.update(mentioned(value))

    def ours(self, events: list[dict]) -> list[dict]:
        """The events that mention one of the story's ids (each one accepted adds its object's id)."""
        chosen: list[dict] = []
        pending = list(events)
        grew = True
        while grew:
            grew = False
            for event in list(pending):
                obj = event["data"]["object"]
                if obj.get("id") in self.known or any(i in self.known for i in mentioned(obj)):
                    self.known.add(obj.get("id"))
                    chosen.append(event)
                    pending.remove(event)
                    grew = True
        order = {event["id"]: n for n, event in enumerate(events)}
        return sorted(chosen, key=lambda event: order[event["id"]])

    def collect(self, *, settle: float, timeout: float) -> list[dict]:
        """The story's new events once none has arrived for `settle` seconds (at most `timeout`); moves the cursor."""
        start = time.monotonic()
        seen = self.newer()
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle and time.monotonic() - start < timeout:
            self.sleep(min(1.0, settle))
            now_seen = self.newer()
            if len(now_seen) != len(seen):
                seen, quiet_since = now_seen, time.monotonic()
        if seen:
            self.cursor = seen[-1]["id"]
        return self.ours(seen)
