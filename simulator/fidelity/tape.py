"""The SDK's HTTP client with a tape: every request the stripe SDK sends, with its answer, in order."""

import json
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import parse_qsl, urlsplit

import stripe


def _headers(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in dict(headers or {}).items()}


def request_record(method: str, url: str, headers, post_data, status: int, body, response_headers) -> dict:
    """One request as a cassette keeps it: no headers but the idempotency key, the body decoded."""
    parts = urlsplit(url)
    data = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
    params = parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(data, keep_blank_values=True)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        response = json.loads(text)
    except (TypeError, ValueError):
        response = {"unparsed": text}
    sent, answered = _headers(headers), _headers(response_headers)
    return {"method": method.upper(), "path": parts.path, "params": [list(p) for p in params],
            "idempotency_key": sent.get("idempotency-key"), "status": status,
            "request_id": answered.get("request-id"), "response": response}


class TapedClient(stripe.RequestsClient):
    """stripe.RequestsClient that keeps the final attempt of every request on `tape` (unless paused)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.tape: list[dict] = []
        self.paused = False

    def request_with_retries(self, method, url, headers, post_data=None, max_network_retries=None, *,
                             _usage=None):
        body, status, response_headers = super().request_with_retries(
            method, url, headers, post_data, max_network_retries, _usage=_usage)
        if not self.paused:
            self.tape.append(request_record(method, url, headers, post_data, status, body, response_headers))
        return body, status, response_headers

    @contextmanager
    def off_tape(self) -> Iterator[None]:
        """Requests made inside (polls, event listing) are not recorded."""
        paused, self.paused = self.paused, True
        try:
            yield
        finally:
            self.paused = paused

    def take(self) -> list[dict]:
        """The requests recorded since the last take."""
        taken, self.tape = self.tape, []
        return taken
