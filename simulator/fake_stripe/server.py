"""Runs a WSGI app on a local port in a background thread (HTTP/1.1 keep-alive, no access log)."""

import socket
import threading
from contextlib import contextmanager
from typing import Iterator

from werkzeug.serving import WSGIRequestHandler, make_server


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 so SDK sessions reuse their connection; per-request logging stays off the terminal."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def running(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, int]]:
    """Serve `app` until the block ends; yields (host, port) actually bound. A busy port raises OSError."""
    # Bind here: werkzeug would print to stderr and sys.exit() on a busy port instead of raising.
    with socket.create_server((host, port)) as listener:
        server = make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler,
                             fd=listener.fileno())
    server.daemon_threads = True
    # A short poll interval keeps shutdown quick; tests start and stop many servers.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                              name=f"fake-stripe-http-{server.port}")
    thread.start()
    try:
        yield host, server.port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
