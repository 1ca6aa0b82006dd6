"""A small threaded WSGI server with HTTP/1.1 keep-alive, for running the fake in-process or from the CLI.

werkzeug's development server closes every connection, so each SDK call paid for a new TCP connection
and a new thread; this one keeps connections open as Stripe's API does. Any WSGI server works too.
"""

import io
import json
import socket
import socketserver
import sys
import threading
import time
from contextlib import contextmanager
from email.utils import formatdate
from typing import Iterator
from urllib.parse import unquote

IDLE_TIMEOUT = 30  # seconds a kept-alive connection may sit unused
MAX_LINE = 65536  # a request line or header line, as http.server and werkzeug allow
MAX_HEADERS = 100
MAX_BODY = 16 * 1024 * 1024  # Stripe's API takes far less; a bigger body is refused before it is read


class BadRequest(Exception):
    """A request the server answers with an error status and then closes the connection."""

    def __init__(self, status: str = "400 Bad Request", message: str = "malformed request") -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _line(rfile, too_long: str, message: str) -> bytes:
    """One CRLF-terminated line of at most MAX_LINE bytes; BadRequest(too_long) beyond."""
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise BadRequest(too_long, message)
    return line


class WSGIHandler(socketserver.StreamRequestHandler):
    """Serves the requests of one connection, one WSGI call each, until the client closes it."""

    timeout = IDLE_TIMEOUT
    wbufsize = -1  # status, headers and body leave in one write

    def setup(self) -> None:
        super().setup()
        # Small responses on a kept-alive connection would otherwise wait on Nagle and delayed ACKs.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass  # the client hung up first

    def handle(self) -> None:
        try:
            while self.handle_one():
                pass
        except BadRequest as exc:  # answered, then closed: what follows on this connection cannot be trusted
            self.refuse(exc)
        except OSError:
            return  # timeouts and resets end the connection

    def refuse(self, exc: BadRequest) -> None:
        """A Stripe-shaped error for a request the server could not take, then the connection closes."""
        body = json.dumps({"error": {"type": "invalid_request_error", "message": exc.message}}).encode()
        try:
            self.write(exc.status, [("Content-Type", "application/json")], body, keep=False)
        except OSError:
            pass

    def handle_one(self) -> bool:
        """Serve one request; False when the connection should close."""
        line = _line(self.rfile, "414 URI Too Long", f"the request line is longer than {MAX_LINE} bytes")
        while line in (b"\r\n", b"\n"):
            line = _line(self.rfile, "414 URI Too Long", f"the request line is longer than {MAX_LINE} bytes")
        if not line:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise BadRequest(message="malformed request line")
        method, target, version = parts
        headers = self.read_headers()
        connection = headers.get("HTTP_CONNECTION", "").lower()
        keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if headers.get("HTTP_EXPECT", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        body = self.read_body(headers)
        if body and method in ("GET", "HEAD", "OPTIONS"):  # no API reads it: a client that sends one is confused
            keep = False
        status, response_headers, payload = self.call_app(self.environ(method, target, version, headers, body))
        self.write(status, response_headers, b"" if method == "HEAD" else payload, keep)
        return keep

    def read_headers(self) -> dict:
        """Header lines as WSGI environ keys (HTTP_…, CONTENT_TYPE, CONTENT_LENGTH)."""
        headers: dict[str, str] = {}
        too_large, count = "431 Request Header Fields Too Large", 0
        while (line := _line(self.rfile, too_large, f"a header line is longer than {MAX_LINE} bytes")) \
                not in (b"\r\n", b"\n", b""):
            count += 1
            if count > MAX_HEADERS:
                raise BadRequest(too_large, f"more than {MAX_HEADERS} header lines")
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise BadRequest(message="malformed header line")
            key = name.strip().upper().replace("-", "_")
            key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
            headers[key] = f"{headers[key]},{value.strip()}" if key in headers else value.strip()
        return headers

    def read_body(self, headers: dict) -> bytes:
        """The whole body (Content-Length or chunked), so the next request starts clean."""
        too_large = BadRequest("413 Request Entity Too Large", f"the body is over {MAX_BODY} bytes")
        if headers.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            chunks, total = [], 0
            while (size := _chunk_size(_line(self.rfile, "400 Bad Request", "chunk header too long"))) > 0:
                total += size
                if total > MAX_BODY:
                    raise too_large
                chunks.append(self.rfile.read(size))
                self.rfile.readline(MAX_LINE)
            while _line(self.rfile, "400 Bad Request", "trailer too long") not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = headers.get("CONTENT_LENGTH") or "0"
        if not length.isdigit():
            raise BadRequest(message=f"Content-Length is not a number: {length[:40]!r}")
        if int(length) > MAX_BODY:
            raise too_large
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            raise BadRequest(message="the body ended early")
        return body

    def environ(self, method: str, target: str, version: str, headers: dict, body: bytes) -> dict:
        """The WSGI environ of one request."""
        path, _, query = target.partition("?")
        host, port = self.server.server_address[:2]
        return {
            **headers, "REQUEST_METHOD": method, "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1") if "%" in path else path,
            "QUERY_STRING": query, "CONTENT_TYPE": headers.get("CONTENT_TYPE", ""), "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": str(host), "SERVER_PORT": str(port), "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.client_address[0], "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }

    def call_app(self, environ: dict) -> tuple[str, list, bytes]:
        """Run the app; an exception it lets out becomes a bare 500."""
        response: dict = {}
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            response["status"], response["headers"] = status, headers
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception as exc:  # noqa: BLE001 - the server must answer whatever the app does
            print(f"fake Stripe: unhandled {type(exc).__name__}: {exc}", file=sys.stderr)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"internal error"
        return response["status"], response["headers"], b"".join(chunks)

    def write(self, status: str, headers: list, payload: bytes, keep: bool) -> None:
        """Status line, headers with Content-Length, body: one flush."""
        lines = [f"HTTP/1.1 {status}", f"Date: {http_date()}", "Server: fake-stripe"]
        lines += [f"{name}: {value}" for name, value in headers
                  if name.lower() not in ("content-length", "connection", "date", "server")]
        lines += [f"Content-Length: {len(payload)}", "Connection: " + ("keep-alive" if keep else "close")]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        self.wfile.flush()


def _chunk_size(line: bytes) -> int:
    """A chunk's size line (hex, maybe with extensions); BadRequest when it is not one."""
    text = line.split(b";")[0].strip() or b"0"
    try:
        return int(text, 16)
    except ValueError:
        raise BadRequest(message="malformed chunk size") from None


_DATE: list = [0, ""]


def http_date() -> str:
    """The Date header, formatted once per second."""
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[:] = [now, formatdate(now, usegmt=True)]
    return _DATE[1]


class WSGIServer(socketserver.ThreadingTCPServer):
    """A thread per connection; remembers open connections so shutdown can close them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        super().__init__(address, WSGIHandler)

    def close_connections(self) -> None:
        """Hang up on every kept-alive client."""
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@contextmanager
def running(app, host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, int]]:
    """Serve `app` until the block ends; yields (host, port) actually bound. A busy port raises OSError."""
    server = WSGIServer((host, port), app)
    # A short poll interval keeps shutdown quick; tests start and stop many servers.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True,
                              name=f"fake-stripe-http-{server.server_address[1]}")
    thread.start()
    try:
        yield host, server.server_address[1]
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=5)
