"""Raw HTTP on 127.0.0.1: send bytes, read until the server closes (or the timeout), for protocol edges."""

import socket
import time


def exchange(base: str, data: bytes, timeout: float = 5.0) -> tuple[bytes, bool, float]:
    """(everything the server sent, whether it closed the connection, seconds taken)."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:  # the server may answer and close before taking all of it
            pass
        received, closed = b"", False
        try:
            while chunk := sock.recv(65536):
                received += chunk
            closed = True
        except socket.timeout:
            pass
        except OSError:  # reset after the answer
            closed = True
    return received, closed, time.monotonic() - started


def statuses(received: bytes) -> list[int]:
    """The status codes of every response in what was received."""
    return [int(line.split()[1]) for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.")]
