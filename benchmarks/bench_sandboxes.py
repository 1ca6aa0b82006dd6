"""Benchmark sandboxes: 1,000 accounts on one fake Stripe, each seeded with the guide's catalogue.

Measures, in one run: the time to make one sandbox (`POST /_sim/sandboxes seed=guide`, over HTTP on 127.0.0.1),
the memory each one costs (traced Python allocations and the process's RSS, per sandbox), and the rate of
`products.list` for one key with 1 sandbox and with 1,000 (the same loop, before and after making them).
Goals: list rate with 1,000 >= 0.9x with 1; a sandbox made in <= 20 ms (median).

    python benchmarks/bench_sandboxes.py [--sandboxes 1000] [--seconds 2] [--rounds 3] [--json]
"""

import argparse
import gc
import json
import logging
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from bench_fake_stripe import BareClient, rate  # noqa: E402
from simulator.fake_stripe import FakeStripe  # noqa: E402

KEY = "sk_test_benchmark"  # BareClient's key: the default sandbox


def list_rate(client: BareClient, seconds: float, rounds: int) -> float:
    """Best of `rounds` rates of GET /v1/products through one kept-alive connection."""
    return max(rate(lambda: client.call("GET", "/v1/products?limit=10"), seconds=seconds) for _ in range(rounds))


def rss_mib() -> float:
    """The process's peak resident set, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandboxes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    fake = FakeStripe(seed="guide")
    with fake.serving() as base:
        client = BareClient(base)
        client.call("GET", "/v1/products")  # the benchmark key takes the default sandbox
        one = list_rate(client, args.seconds, args.rounds)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {KEY}"  # the helpers take the API's key
        gc.collect()
        tracemalloc.start()
        traced_before, rss_before = tracemalloc.get_traced_memory()[0], rss_mib()
        made, ids = [], []
        for _ in range(args.sandboxes):
            started = time.perf_counter()
            answer = http.post(f"{base}/_sim/sandboxes", data={"seed": "guide"}, timeout=10)
            made.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            ids.append(answer.json()["id"])
        gc.collect()
        traced = (tracemalloc.get_traced_memory()[0] - traced_before) / args.sandboxes / 1024
        tracemalloc.stop()
        rss = (rss_mib() - rss_before) * 1024 / args.sandboxes
        client = BareClient(base)  # the first one idled while the sandboxes were made
        many = list_rate(client, args.seconds, args.rounds)
        assert len(fake.sandboxes.all()) == args.sandboxes + 1
        for id in ids:
            http.delete(f"{base}/_sim/sandboxes/{id}", timeout=10).raise_for_status()
        client = BareClient(base)
        # 1 sandbox again, after: the better of before and after is the baseline, so a slow start is no gain.
        one = max(one, list_rate(client, args.seconds, args.rounds))
    result = {
        "sandboxes": args.sandboxes, "make_ms_median": round(statistics.median(made), 2),
        "make_ms_p95": round(sorted(made)[int(len(made) * 0.95) - 1], 2),
        "memory_kib_per_sandbox_traced": round(traced, 1), "rss_kib_per_sandbox": round(rss, 1),
        "list_rate_1": round(one), f"list_rate_{args.sandboxes}": round(many), "ratio": round(many / one, 2),
        "goals": {"ratio >= 0.9": many / one >= 0.9, "make_ms_median <= 20": statistics.median(made) <= 20},
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"sandboxes:                 {args.sandboxes} (each seeded with the guide's catalogue)")
    print(f"make one (HTTP helper):    median {result['make_ms_median']} ms, p95 {result['make_ms_p95']} ms"
          f"   (goal <= 20 ms: {'OK' if result['goals']['make_ms_median <= 20'] else 'MISSED'})")
    print(f"memory per sandbox:        {result['memory_kib_per_sandbox_traced']} KiB traced, "
          f"{result['rss_kib_per_sandbox']} KiB RSS")
    print(f"products.list, 1 sandbox:  {result['list_rate_1']} req/s")
    print(f"products.list, {args.sandboxes}:      {many:.0f} req/s")
    print(f"ratio:                     {result['ratio']}  (goal >= 0.9: "
          f"{'OK' if result['goals']['ratio >= 0.9'] else 'MISSED'})")


if __name__ == "__main__":
    main()
