"""A relay on 127.0.0.1 between clients and PostgreSQL that counts the round trips each client makes.

It reads the frontend side of the wire protocol: a client waits for the server after a simple
`Query` ('Q') or a `Sync` ('S', which ends an extended-protocol statement, or a whole pipeline),
so the count of those two messages is the count of round trips, however the driver batches them.
The statements' SQL (from `Query` and `Parse`) is kept too, for failure messages.
"""

import socket
import struct
import threading
from contextlib import contextmanager
from typing import Iterator

ROUND_TRIP_MESSAGES = {b"Q", b"S"}
UNTYPED_REQUESTS = {80877102, 80877103, 80877104}  # cancel, SSL and GSS encryption requests


class Wire:
    """What crossed the relay: round trips and statements, since the last `reset`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.round_trips = 0
        self.statements: list[str] = []
        self.messages: list[str] = []
        self.reads = 0  # chunks the relay received from clients: how many times the server would wake up
        self.open = 0  # connections relayed now (not reset)

    def reset(self) -> None:
        with self.lock:
            self.round_trips, self.statements, self.messages, self.reads = 0, [], [], 0

    def seen(self, kind: bytes, body: bytes) -> None:
        with self.lock:
            self.messages.append(kind.decode())
            if kind in ROUND_TRIP_MESSAGES:
                self.round_trips += 1
            if kind == b"Q":
                self.statements.append(body.rstrip(b"\0").decode(errors="replace"))
            elif kind == b"P":  # Parse: statement name, then the SQL
                sql = body.split(b"\0", 2)[1]
                self.statements.append(sql.decode(errors="replace"))


class _ClientStream:
    """Parses the client's bytes as they arrive: untyped start-up messages first, then typed messages."""

    def __init__(self, wire: Wire) -> None:
        self.wire, self.buffer, self.started = wire, b"", False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if not self.started:
                if len(self.buffer) < 8:
                    return
                length, code = struct.unpack("!ii", self.buffer[:8])
                if len(self.buffer) < length:
                    return
                self.buffer = self.buffer[length:]
                self.started = code not in UNTYPED_REQUESTS  # after the StartupMessage every message is typed
                continue
            if len(self.buffer) < 5:
                return
            kind, length = self.buffer[:1], struct.unpack("!i", self.buffer[1:5])[0]
            if len(self.buffer) < 1 + length:
                return
            self.wire.seen(kind, self.buffer[5:1 + length])
            self.buffer = self.buffer[1 + length:]


def _pump(source: socket.socket, target: socket.socket, stream: _ClientStream | None, wire: Wire) -> None:
    try:
        while data := source.recv(65536):
            if stream is not None:
                with wire.lock:
                    wire.reads += 1
                stream.feed(data)
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if stream is None:  # the server's side ended: the client has seen the connection close
            with wire.lock:
                wire.open -= 1


@contextmanager
def counting_relay(port: int) -> Iterator[tuple[int, Wire]]:
    """Listen on a free 127.0.0.1 port, relay every connection to PostgreSQL at `port`; yield (port, wire)."""
    wire = Wire()
    listener = socket.create_server(("127.0.0.1", 0))
    sockets: list[socket.socket] = []
    threads: list[threading.Thread] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", port))
            sockets.extend([client, server])
            with wire.lock:
                wire.open += 1
            for args in ((client, server, _ClientStream(wire), wire), (server, client, None, wire)):
                thread = threading.Thread(target=_pump, args=args, daemon=True)
                thread.start()
                threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], wire
    finally:
        stopping.set()
        try:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        acceptor.join(timeout=5)
        for thread in threads:
            thread.join(timeout=5)
