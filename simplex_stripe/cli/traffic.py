"""The fake Stripe's traffic log: one line per HTTP request and one per webhook delivery attempt, text or JSON."""

import json
import threading
import time
from datetime import datetime, timezone
from typing import Callable, TextIO

LOG_FORMATS = ("text", "json")


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%H:%M:%S")


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _status(record: dict) -> str:
    if record.get("status") is not None:
        return str(record["status"])
    return (record.get("error") or "error").split(":")[0]


class TrafficLog:
    """Writes whole lines to one stream from any thread; `format` is `text` (like `stripe logs tail`) or `json`."""

    def __init__(self, stream: TextIO, format: str = "text") -> None:
        self.stream, self.format = stream, format
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def request(self, at: float, method: str, path: str, status: int, request_id: str | None, ms: float) -> None:
        """One HTTP request the fake answered (the path only: query strings are left out of logs)."""
        if self.format == "json":
            self._write(json.dumps({"at": _iso(at), "kind": "request", "method": method, "path": path,
                                    "status": status, "request_id": request_id, "ms": round(ms, 1)}))
            return
        suffix = f" [{request_id}]" if request_id else ""
        self._write(f"{_clock(at)}  [{status}] {method} {path}{suffix}  {ms:.1f} ms")

    def delivery(self, record: dict) -> None:
        """One webhook delivery attempt (an outbox record)."""
        if self.format == "json":
            fields = ("event", "type", "endpoint", "url", "attempt", "status", "ok", "error", "latency_ms",
                      "next_retry_in")
            self._write(json.dumps({"at": _iso(record["at"]), "kind": "delivery",
                                    **{k: record.get(k) for k in fields}}))
            return
        retry = f", retry in {record['next_retry_in']:g} s" if record.get("next_retry_in") is not None else ""
        self._write(f"{_clock(record['at'])}  --> {record['type']} [{record['event']}]  <-- [{_status(record)}] "
                    f"POST {record['url']}  ({record['endpoint']}, attempt {record['attempt']}, "
                    f"{record['latency_ms']:.1f} ms{retry})")

    def middleware(self, app: Callable) -> Callable:
        """Wrap a WSGI app so each request it answers is logged once its response is ready."""
        def logged(environ: dict, start_response):
            started, seen = time.perf_counter(), {}

            def start(status, headers, exc_info=None):
                seen["status"], seen["headers"] = status, headers
                return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

            result = app(environ, start)
            request_id = next((v for k, v in seen.get("headers", ()) if k.lower() == "request-id"), None)
            status = int(str(seen.get("status", "500")).split()[0])
            self.request(time.time(), environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", ""), status,
                         request_id, (time.perf_counter() - started) * 1000)
            return result
        return logged
