"""A scripted HTTP sink for sender tests: answers from a script and records every delivery."""

import json
import threading
import time
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response


@dataclass
class Hit:
    """One request the sink received."""

    event_id: str
    t: int
    headers: dict
    body: bytes


@dataclass
class ScriptedSink:
    """Answers each event's n-th delivery with `script[n]` (the last entry repeats); optional delay."""

    script: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method != "POST":
            return Response("", status=405)(environ, start_response)
        body = request.get_data()
        event_id = json.loads(body)["id"]
        t = int(request.headers["Stripe-Signature"].split(",")[0][2:])
        with self._lock:
            seen = sum(1 for h in self.hits if h.event_id == event_id)
            self.hits.append(Hit(event_id, t, dict(request.headers), body))
        if self.delay:
            time.sleep(self.delay)
        status = self.script[min(seen, len(self.script) - 1)]
        return Response(json.dumps({"status": status}), status=status,
                        content_type="application/json")(environ, start_response)
