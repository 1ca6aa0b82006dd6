"""Events/s the Locust load user sustains from one process vs the plain WebhookSender, same sink, same run.

Run: python benchmarks/bench_load.py [--rounds 3] [--run-time 8] [--users 10] [--events 3000] [--json]

The sink is a minimal asyncio HTTP/1.1 server (keep-alive, no verification) in its own process, so it is
not what limits either client. Each round measures, back to back: `WebhookSender` (as `fire` sends:
build + sign + POST, one thread, and --concurrency 8), then `simplex-stripe load` (one Locust process,
headless, --users N). Best of each over the rounds.
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time

from simulator.delivery.policy import DeliveryPolicy
from simulator.load.lifecycle import lifecycle
from simulator.delivery.sender import WebhookSender
from simulator.stories import new_story

SECRET = "whsec_benchmark_secret_0123456789"
OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"received":true}'
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            writer.write(OK_HEAD if head.startswith(b"HEAD ") else OK)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def _sink() -> None:
    server = await asyncio.start_server(_serve_connection, "127.0.0.1", 0, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def start_sink() -> tuple[subprocess.Popen, str]:
    """The sink in a child process; returns it and its URL."""
    child = subprocess.Popen([sys.executable, __file__, "--sink"], stdout=subprocess.PIPE, text=True)
    port = child.stdout.readline().strip()
    return child, f"http://127.0.0.1:{port}/api/v6/integrations/stripe/web-hooks"


def build_events(n: int) -> list[dict]:
    """At least n events from the load user's lifecycle in fresh worlds (the same mix Locust sends)."""
    events, seed = [], 0
    while len(events) < n:
        story = new_story(seed=f"bench-{seed}", start=int(time.time()), account=f"acct-{seed}")
        events += story.run(lifecycle(2), "2026-10-28.endive")
        seed += 1
    return events[:n]


def sender_rate(url: str, n: int, concurrency: int) -> float:
    """Events/s of WebhookSender including event building and signing, as `fire` does it."""
    started = time.perf_counter()
    report = WebhookSender(url, [SECRET], DeliveryPolicy(retry="none", concurrency=concurrency)).send(build_events(n))
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise SystemExit("the sink refused deliveries")
    return n / elapsed


def locust_rate(url: str, users: int, run_time: int) -> dict:
    """`simplex-stripe load` in one Locust process for `run_time` seconds; its JSON summary."""
    command = [sys.executable, "-m", "simplex_stripe", "load", "--target", url, "--secret", SECRET, "--users",
               str(users), "--spawn-rate", str(users * 10), "--run-time", f"{run_time}s", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=run_time + 60)
    if done.returncode != 0:
        raise SystemExit(f"simplex-stripe load failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    if summary["failures"]:
        raise SystemExit(f"Locust reported failures: {summary['failure_reasons']}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--run-time", type=int, default=8, help="seconds per Locust round")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--events", type=int, default=3000, help="events per WebhookSender round")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        asyncio.run(_sink())
        return
    sink, url = start_sink()
    plain, threaded, load, summaries = [], [], [], []
    try:
        sender_rate(url, 200, 1)  # warm-up
        for _ in range(args.rounds):
            plain.append(sender_rate(url, args.events, 1))
            threaded.append(sender_rate(url, args.events, 8))
            summaries.append(locust_rate(url, args.users, args.run_time))
            load.append(summaries[-1]["events_per_s"])
    finally:
        sink.kill()
    best = max(summaries, key=lambda s: s["events_per_s"])
    result = {"sender_events_per_s": max(plain), "sender_concurrency_8_events_per_s": max(threaded),
              "locust_events_per_s": max(load), "ratio_locust_to_sender": max(load) / max(plain),
              "ratio_locust_to_sender_concurrency_8": max(load) / max(threaded),
              "locust_users": args.users, "locust_median_ms": best["median_ms"], "locust_p95_ms": best["p95_ms"],
              "rounds": {"sender": plain, "sender_concurrency_8": threaded, "locust": load}}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"WebhookSender, 1 thread:           {result['sender_events_per_s']:8.0f} events/s (build + sign + send)")
    print(f"WebhookSender, --concurrency 8:    {result['sender_concurrency_8_events_per_s']:8.0f} events/s")
    print(f"Locust user, 1 process, {args.users} users: {result['locust_events_per_s']:8.0f} events/s "
          f"(median {best['median_ms']:.0f} ms, p95 {best['p95_ms']:.0f} ms)")
    print(f"ratio Locust / WebhookSender:      {result['ratio_locust_to_sender']:8.2f}  "
          f"(vs --concurrency 8: {result['ratio_locust_to_sender_concurrency_8']:.2f})")


if __name__ == "__main__":
    main()
