"""A webhook receiver on 127.0.0.1 that verifies every delivery with the official SDK."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import stripe
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Received:
    """One delivery as the receiver saw it."""

    event_id: str | None
    type: str | None
    signature: str
    verified: bool
    error: str | None = None


@dataclass
class VerifyingReceiver:
    """A WSGI app: 200 for a delivery that `stripe.Webhook.construct_event` accepts, 400 otherwise."""

    secrets: list[str]
    tolerance: int = 300
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def verify(self, body: bytes, header: str) -> Received:
        """Check one delivery against every configured secret."""
        error = "no secret matched"
        for secret in self.secrets:
            try:
                event = stripe.Webhook.construct_event(body, header, secret, tolerance=self.tolerance)
            except (stripe.SignatureVerificationError, ValueError) as exc:
                error = str(exc)
                continue
            return Received(event.id, event.type, header, True)
        return Received(None, None, header, False, error)

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.method != "POST":
            return Response("", status=405)(environ, start_response)
        result = self.verify(request.get_data(), request.headers.get("Stripe-Signature", ""))
        with self._lock:
            self.received.append(result)
        body = '{"received": true}' if result.verified else '{"error": "signature verification failed"}'
        return Response(body, status=200 if result.verified else 400,
                        content_type="application/json")(environ, start_response)


class QuietHandler(WSGIRequestHandler):
    """Keeps werkzeug's per-request access log off the user's terminal."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run a WSGI app in a thread on 127.0.0.1; yield its base URL."""
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    # A short poll interval keeps shutdown quick; tests start and stop many servers.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
