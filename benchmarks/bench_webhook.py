"""Benchmark the webhook endpoint: the full platform against a bare `construct_event` endpoint.

Both run under `gunicorn -w 2 --preload` on 127.0.0.1 and take the same signed simulator events from the
same load generator, in the same run. The full endpoint verifies, stores the event idempotently
(SQLite) and updates the account; the bare one only calls `stripe.Webhook.construct_event`. A third
endpoint, for reference, only verifies and parses as the platform does (`verify_header` + JSON).
Each round runs all three, alternating which goes first; the ratio is the median of the rounds'.

    python benchmarks/bench_webhook.py [--requests 1500] [--concurrency 8] [--rounds 5]
                                       [--sqlite-synchronous FULL|NORMAL] [--json]

The catalogue is seeded into the platform's database first, as it is after the platform has met
each price once, so no Stripe call happens during the run.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench_0123456789abcdef"
TOKEN = "bench-probe-token"
WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"
CATALOGUE = {"price_bench_pro": ("prod_bench_pro", {"accountType": "professional", "interval": "1"}),
             "price_bench_biz": ("prod_bench_biz", {"accountType": "business", "interval": "1"})}


def create_bare_app():
    """The baseline: the same Flask, the same route, only `construct_event`."""
    from flask import Flask, request
    secret = os.environ["STRIPE_WEBHOOK_SECRET"]
    app = Flask("bare")

    @app.post(WEBHOOK_PATH)
    def receive():
        """construct_event, nothing else."""
        try:
            event = stripe.Webhook.construct_event(request.get_data(), request.headers.get("Stripe-Signature", ""),
                                                   secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            return {"error": str(exc)}, 400
        return {"received": True, "id": event.id}
    return app


def create_verify_only_app():
    """For reference: the SDK's signature check and json.loads, which is how the platform reads an event."""
    from flask import Flask, request
    secret = os.environ["STRIPE_WEBHOOK_SECRET"]
    app = Flask("verify_only")

    @app.post(WEBHOOK_PATH)
    def receive():
        """verify_header and json.loads, nothing else."""
        body = request.get_data()
        try:
            stripe.WebhookSignature.verify_header(body, request.headers.get("Stripe-Signature", ""), secret, 300)
            event = json.loads(body)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            return {"error": str(exc)}, 400
        return {"received": True, "id": event["id"]}
    return app


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, env: dict, workers: int, chdir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    """Start gunicorn (its log in a file: a full pipe would stall the workers) and wait until it answers."""
    port = free_port()
    with open(log, "ab") as sink:
        # --preload for every endpoint, as the platform is deployed (platform.md): one app, shared by the workers.
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", "--preload", "--chdir", str(chdir), target],
                                env=env, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise SystemExit(f"gunicorn {target} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)


def make_events(accounts: list[str], per_account: int) -> list[dict]:
    """Distinct signed-ready events: a first purchase then renewals, for each account."""
    sys.path.insert(0, str(ROOT))
    from simulator.stories import new_story
    wanted = {"checkout.session.completed", "invoice.paid", "customer.subscription.updated"}
    events = []
    for n, ref in enumerate(accounts):
        story = new_story(seed=f"bench-{n}", start=1769853600, account=ref, price="price_bench_pro",
                          product="prod_bench_pro", new_price="price_bench_biz", new_product="prod_bench_biz")
        names = ["first-purchase"] + ["renewal"] * max(per_account // 2, 1)
        events += [e for e in story.run(names, "2026-10-28.endive") if e["type"] in wanted]
    return events


def _fire(port: int, work: list[tuple[bytes, str]], threads: int) -> list[tuple[float, int, bytes]]:
    """One load-generator process: `threads` clients, one connection per request (gunicorn sync closes it)."""
    lock, index, results = threading.Lock(), [0], []

    def client(_):
        """Take the next request until none is left; time each."""
        mine = []
        while True:
            with lock:
                if index[0] >= len(work):
                    break
                body, header = work[index[0]]
                index[0] += 1
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", WEBHOOK_PATH, body, {"Stripe-Signature": header, "Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            conn.close()
            mine.append((time.perf_counter() - started, response.status, payload[:200]))
        return mine

    with ThreadPoolExecutor(threads) as pool:
        for part in pool.map(client, range(threads)):
            results += part
    return results


def load(port: int, work: list[tuple[bytes, str]], concurrency: int, processes: int = 2) -> dict:
    """Send every request; return the rate, latencies and statuses."""
    slices = [work[i::processes] for i in range(processes)]
    threads = max(concurrency // processes, 1)
    started = time.perf_counter()
    with get_context("fork").Pool(processes) as pool:
        parts = pool.starmap(_fire, [(port, part, threads) for part in slices])
    wall = time.perf_counter() - started
    samples = [s for part in parts for s in part]
    latencies = sorted(s[0] * 1000 for s in samples)
    return {"requests": len(samples), "seconds": wall, "rate": len(samples) / wall,
            "p50_ms": statistics.median(latencies), "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
            "ok": sum(1 for s in samples if s[1] == 200),
            "applied": sum(1 for s in samples if b'"applied"' in s[2])}


def signed(events: list[dict]) -> list[tuple[bytes, str]]:
    """Bodies and headers, signed now by the project's one signer (a run lasts far less than the 300 s tolerance)."""
    sys.path.insert(0, str(ROOT))
    from simulator.delivery.signing import Signer
    signer = Signer([SECRET])
    return [(body, headers["Stripe-Signature"]) for body, headers in map(signer.sign_event, events)]


def seed_platform(data_dir: Path) -> None:
    """The catalogue the platform would have learned from Stripe on first sight of each price."""
    sys.path.insert(0, str(ROOT))
    from platform_adapter.storage import Store
    store = Store(f"sqlite:///{data_dir / 'platform.sqlite3'}")
    with store.write() as tx:
        for price, (product, metadata) in CATALOGUE.items():
            tx.remember_price(price, product, metadata, time.time())
    store.close()


def create_accounts(port: int, count: int) -> list[str]:
    """Accounts made through the conformance probe."""
    refs = []
    for n in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/api/v6/integrations/stripe/conformance/accounts",
                     json.dumps({"email": f"bench{n}@example.com"}),
                     {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        refs.append(json.loads(conn.getresponse().read())["id"])
        conn.close()
    return refs


def main() -> None:
    """Run both endpoints in alternating rounds and print rates, latencies and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="Requests per endpoint per round.")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per endpoint.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds; each runs every endpoint once.")
    parser.add_argument("--sqlite-synchronous", choices=("FULL", "NORMAL"), default="FULL",
                        help="The platform's SIMPLEX_SQLITE_SYNCHRONOUS (FULL is its default).")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        data = Path(tmp) / "data"
        seed_platform(data)
        env = {**os.environ, "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_WEBHOOK_SECRET": SECRET,
               "SIMPLEX_DATA_DIR": str(data), "SIMPLEX_PROBE_TOKEN": TOKEN,
               "STRIPE_API_BASE": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT),
               "SIMPLEX_SQLITE_SYNCHRONOUS": args.sqlite_synchronous}
        full, full_port = start_gunicorn("platform_adapter.wsgi:app", env, args.workers, Path(tmp),
                                         Path(tmp) / "full.log")
        bare, bare_port = start_gunicorn("bench_webhook:create_bare_app()", env, args.workers, ROOT / "benchmarks",
                                         Path(tmp) / "bare.log")
        verify, verify_port = start_gunicorn("bench_webhook:create_verify_only_app()", env, args.workers,
                                             ROOT / "benchmarks", Path(tmp) / "verify.log")
        try:
            total = args.requests * args.rounds
            per_account = 12
            refs = create_accounts(full_port, max(total // per_account + 1, 1))
            events = make_events(refs, per_account)[:total]
            if len(events) < total:
                raise SystemExit(f"only {len(events)} events generated for {total} requests")
            warm = signed(events[:100])
            load(bare_port, warm, args.concurrency)
            load(verify_port, warm, args.concurrency)
            results = {"bare": [], "full": [], "verify": []}
            ports = {"bare": bare_port, "full": full_port, "verify": verify_port}
            for r in range(args.rounds):
                chunk = signed(events[r * args.requests:(r + 1) * args.requests])
                # Alternate who goes first, so drift in the machine's load hits both sides alike.
                for name in (("bare", "full", "verify") if r % 2 == 0 else ("full", "bare", "verify")):
                    results[name].append(load(ports[name], chunk, args.concurrency))
        finally:
            for proc in (full, bare, verify):
                proc.terminate()
                proc.wait(timeout=10)
    report(results, args)


def report(results: dict, args) -> None:
    """Print each endpoint's best round, and the full/bare ratio as the median of same-round ratios."""
    best = {name: max(rounds, key=lambda r: r["rate"]) for name, rounds in results.items()}
    per_round = [f["rate"] / b["rate"] for f, b in zip(results["full"], results["bare"])]
    summary = {"workers": args.workers, "concurrency": args.concurrency, "requests_per_round": args.requests,
               "sqlite_synchronous": args.sqlite_synchronous,
               "rounds": args.rounds, **best, "ratio": statistics.median(per_round),
               "ratio_best_rounds": best["full"]["rate"] / best["bare"]["rate"],
               "ratio_vs_verify_only": best["full"]["rate"] / best["verify"]["rate"],
               "all_rounds": {k: [round(r["rate"], 1) for r in v] for k, v in results.items()}}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"gunicorn -w {args.workers}, {args.concurrency} concurrent clients, {args.requests} requests x "
          f"{args.rounds} rounds, SQLite synchronous={args.sqlite_synchronous} (best round shown)")
    for name, label in (("bare", "bare construct_event"), ("full", "full endpoint (SQLite)"),
                        ("verify", "verify_header+json.loads")):
        r = best[name]
        print(f"  {label:<24} {r['rate']:8.1f} req/s   p50 {r['p50_ms']:6.2f} ms   p99 {r['p99_ms']:6.2f} ms   "
              f"2xx {r['ok']}/{r['requests']}" + (f"   applied {r['applied']}" if name == "full" else ""))
    print(f"  ratio full/bare          {summary['ratio']:.2f}   (median of the rounds' ratios; goal >= 0.6; "
          f"best/best {summary['ratio_best_rounds']:.2f})")
    print(f"  full/verify-only         {summary['ratio_vs_verify_only']:.2f}   (reference: the cost of storing and "
          f"updating alone)")
    print(f"  req/s per round          {summary['all_rounds']}")


if __name__ == "__main__":
    main()
