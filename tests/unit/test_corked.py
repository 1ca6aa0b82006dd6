"""`batches._corked`: a TCP socket's writes are held until the block ends; any other socket is left as it is."""

import socket

from platform_adapter.batches import _corked


def test_tcp_writes_leave_together_when_the_block_ends():
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname(), timeout=5)
        peer, _ = server.accept()
        with client, peer:
            peer.settimeout(0.1)
            with _corked(client.fileno()):
                client.sendall(b"BEGIN;")
                client.sendall(b"SELECT 1;")
                try:
                    early = peer.recv(100)
                except TimeoutError:  # held back, as it should be
                    early = b""
            peer.settimeout(5)
            assert early == b"" and peer.recv(100) == b"BEGIN;SELECT 1;"
            client.sendall(b"after")  # the driver's socket is still open and no longer corked
            assert peer.recv(100) == b"after"


def test_a_unix_socket_is_used_as_it_is_and_stays_open():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with _corked(ours.fileno()):
            ours.sendall(b"x")
        assert theirs.recv(10) == b"x"
        ours.sendall(b"y")
        assert theirs.recv(10) == b"y"
