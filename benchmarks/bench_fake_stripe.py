"""Benchmark the fake Stripe API through the official SDK: products.list and products.create rates.

Runs each loop at 0 and at --objects stored products. When `localstripe` is importable, the same loops run
against it (started in-process on 127.0.0.1) and the ratios are printed. Goals: list >= 2x localstripe;
create at --objects >= 0.8x create at 0.

The same loops also run through a bare keep-alive HTTP client: the SDK spends 0.5-1.5 ms of its own per
call (request building, proxy lookup in os.environ, object decoding), which is the same for both servers
and caps the SDK-level ratios; the bare client shows what each server itself costs.

    python benchmarks/bench_fake_stripe.py [--objects 2000] [--seconds 2] [--creates 300] [--json]
"""

import argparse
import asyncio
import gc
import json
import logging
import socket
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stripe  # noqa: E402

from simulator.fake_stripe import FakeStripe  # noqa: E402
from simulator.engine.catalogue import create_product

KEY = "sk_test_benchmark"


def rate(loop: Callable[[], None], *, seconds: float | None = None, count: int | None = None) -> float:
    """Calls per second of `loop`, run for `seconds` or `count` times (after a full collection, for both)."""
    gc.collect()
    done, started = 0, time.perf_counter()
    while (count is not None and done < count) or (seconds is not None and time.perf_counter() - started < seconds):
        loop()
        done += 1
    return done / (time.perf_counter() - started)


class BareClient:
    """One kept-alive HTTP/1.1 connection and nothing else: what a server costs without the SDK's own work."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.sock = socket.create_connection((parts.hostname, parts.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stream = self.sock.makefile("rb")

    def call(self, method: str, path: str, body: bytes = b"") -> bytes:
        """Send one request and read the whole response."""
        head = (f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {KEY}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n")
        self.sock.sendall(head.encode() + body)
        length, chunked = 0, False
        while (line := self.stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            chunked |= name.lower() == "transfer-encoding"
        if not chunked:
            return self.stream.read(length)
        data = b""
        while (size := int(self.stream.readline(), 16)) > 0:
            data += self.stream.read(size)
            self.stream.readline()
        self.stream.readline()
        return data


def loops(client, names) -> tuple[Callable[[], None], Callable[[], None]]:
    """(list, create) callables for an SDK client or a BareClient."""
    if isinstance(client, BareClient):
        return (lambda: client.call("GET", "/v1/products?limit=10"),
                lambda: client.call("POST", "/v1/products",
                                    f"name=Bench+{next(names)}&metadata[accountType]=professional".encode()))
    return (lambda: client.v1.products.list({"limit": 10}),
            lambda: client.v1.products.create({"name": f"Bench {next(names)}",
                                               "metadata": {"accountType": "professional"}}))


def measure(client, populate: Callable[[int], None], objects: int, seconds: float, creates: int) -> dict:
    """list and create rates at 0 and at `objects` stored products (each create adds one)."""
    listing, creating = loops(client, iter(range(10**9)))

    rate(listing, count=20)  # warm connections and caches
    out = {"list_0": rate(listing, seconds=seconds), "create_0": rate(creating, count=creates)}
    populate(objects)
    out["list_n"] = rate(listing, seconds=seconds)
    out["create_n"] = rate(creating, count=creates)
    out["create_ratio"] = out["create_n"] / out["create_0"]
    return out


@contextmanager
def fake_server() -> Iterator[tuple[str, Callable[[int], None]]]:
    """The fake on a free port, and a way to store n more products directly."""
    fake = FakeStripe()

    def populate(n: int) -> None:
        """Store n products the way products.create does, without the HTTP round trips."""
        with fake.state.lock:
            for index in range(n):
                create_product(fake.state, {"name": f"Stored {index}"}, at=fake.now)

    with fake.serving() as base:
        yield base, populate


_LOOP: list[asyncio.AbstractEventLoop] = []


def _localstripe_loop() -> asyncio.AbstractEventLoop:
    """localstripe's app is a module global bound to the first loop it runs on, so every run shares one."""
    if not _LOOP:
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True, name="localstripe").start()
        _LOOP.append(loop)
    return _LOOP[0]


@contextmanager
def localstripe_server() -> Iterator[tuple[str, Callable[[int], None]]]:
    """localstripe's aiohttp app on its own event-loop thread on 127.0.0.1, and a way to store n products."""
    from aiohttp import web
    from localstripe import resources, server
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    loop = _localstripe_loop()

    def on_loop(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    async def start() -> tuple[web.AppRunner, int]:
        resources.store.clear()
        runner = web.AppRunner(server.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, site._server.sockets[0].getsockname()[1]

    async def add(n: int) -> None:
        for index in range(n):
            resources.Product._api_create(name=f"Stored {index}")

    runner, port = on_loop(start())
    try:
        yield f"http://127.0.0.1:{port}", lambda n: on_loop(add(n))
    finally:
        on_loop(runner.cleanup())


def localstripe_available() -> bool:
    """Whether localstripe (and aiohttp) can be imported."""
    try:
        import localstripe.server  # noqa: F401
    except ImportError:
        return False
    return True


def run(server, args, bare: bool) -> dict:
    """Median of --repeat runs of `measure` against one server, through the SDK or the bare client."""
    runs = []
    for _ in range(args.repeat):
        with server() as (base, populate):
            client = BareClient(base) if bare else stripe.StripeClient(KEY, base_addresses={"api": base})
            runs.append(measure(client, populate, args.objects, args.seconds, args.creates))
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def report(results: dict, objects: int, title: str) -> str:
    """A small table (requests per second) with the goals checked."""
    lines = [title, f"{'server':<12}{'list@0':>10}{f'list@{objects}':>12}{'create@0':>11}"
                    f"{f'create@{objects}':>14}{'create n/0':>12}"]
    for name, r in results.items():
        lines.append(f"{name:<12}{r['list_0']:>10.0f}{r['list_n']:>12.0f}{r['create_0']:>11.0f}"
                     f"{r['create_n']:>14.0f}{r['create_ratio']:>12.2f}")
    fake = results["fake"]
    lines.append(f"goal create@{objects} >= 0.8 x create@0: {fake['create_ratio']:.2f} "
                 f"{'OK' if fake['create_ratio'] >= 0.8 else 'MISSED'}")
    if "localstripe" in results:
        ls = results["localstripe"]
        for key, label in (("list_0", "list@0"), ("list_n", f"list@{objects}"), ("create_0", "create@0"),
                           ("create_n", f"create@{objects}")):
            lines.append(f"fake / localstripe {label}: {fake[key] / ls[key]:.2f}x")
        ok = min(fake["list_0"] / ls["list_0"], fake["list_n"] / ls["list_n"]) >= 2
        lines.append(f"goal list >= 2 x localstripe: {'OK' if ok else 'MISSED'}")
    else:
        lines.append("localstripe is not importable: no comparison (pip install localstripe to add it)")
    return "\n".join(lines)


def main() -> None:
    """Run every loop against every available server and print the tables (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000, help="stored products for the second round")
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each list loop")
    parser.add_argument("--creates", type=int, default=300, help="creates per create loop")
    parser.add_argument("--repeat", type=int, default=3, help="runs per server; medians are reported")
    parser.add_argument("--json", action="store_true", help="print the rates as JSON")
    args = parser.parse_args()
    servers = {"fake": fake_server}
    if localstripe_available():
        servers["localstripe"] = localstripe_server
    results = {client: {name: run(server, args, client == "bare") for name, server in servers.items()}
               for client in ("sdk", "bare")}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(report(results["sdk"], args.objects, "through the official SDK (requests/s):"))
    print()
    print(report(results["bare"], args.objects, "through a bare keep-alive HTTP client (requests/s):"))


if __name__ == "__main__":
    main()
