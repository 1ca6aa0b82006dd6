"""Benchmark webhook throughput side by side: the platform on PostgreSQL x4 workers and on SQLite x1 (and x4).

Every endpoint runs under gunicorn on 127.0.0.1 in the same run and takes the same signed simulator
events from the same load generator (bench_webhook's: processes x threads, a new connection per
request). Full endpoints verify, store the event idempotently and update the account; each is
compared with a bare `stripe.Webhook.construct_event` endpoint under the same number of workers.
The CPU time each endpoint's processes spend per request (gunicorn workers, and PostgreSQL's own
processes apart; read from /proc) is reported too: on a small shared machine it says more than the
rate, which other jobs move.

Both databases are durable: PostgreSQL with its defaults (fsync, synchronous_commit on), SQLite with
the platform's default `synchronous=FULL`. Each round runs every endpoint once, rotating who goes
first; the ratios are the medians of the rounds' same-round ratios.

    python benchmarks/bench_scale.py [--requests 1500] [--rounds 5] [--concurrency 8]
                                     [--no-sqlite4] [--postgres-url postgresql+psycopg://…] [--json]

Without --postgres-url a PostgreSQL server is started for the run (initdb + pg_ctl from
/usr/lib/postgresql/*/bin, as the postgres user when run as root; see tests/support/postgres.py).
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench_webhook import CATALOGUE, ROOT, SECRET, TOKEN, load, make_events, signed, start_gunicorn

sys.path.insert(0, str(ROOT))
PER_ACCOUNT = 12
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def seed(url: str) -> None:
    """The catalogue the platform would have learned from Stripe on first sight of each price."""
    from platform_adapter.storage import Store
    store = Store(url)
    with store.write() as tx:
        for price, (product, metadata) in CATALOGUE.items():
            tx.remember_price(price, product, metadata, time.time())
    store.close()


def create_accounts(port: int, refs: list[str]) -> None:
    """The accounts the events name, made through the conformance probe (same references everywhere)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for ref in refs:
        conn.request("POST", "/api/v6/integrations/stripe/conformance/accounts",
                     json.dumps({"email": f"{ref}@example.com", "id": ref}),
                     {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise SystemExit(f"cannot create account {ref}: {response.status}")
    conn.close()


def endpoints(args, tmp: Path, postgres_url: str, postmaster: int | None, stack: ExitStack) -> dict[str, dict]:
    """Start every server; name -> {port, workers, bare (its baseline), pids() of the processes doing its work}."""
    base_env = {**os.environ, "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_WEBHOOK_SECRET": SECRET,
                "SIMPLEX_PROBE_TOKEN": TOKEN, "STRIPE_API_BASE": "http://127.0.0.1:9", "PYTHONPATH": str(ROOT),
                "SIMPLEX_LOG_LEVEL": "WARNING"}
    sqlite = {n: f"sqlite:///{tmp / f'sqlite{n}' / 'platform.sqlite3'}" for n in (1, 4)}
    plan = {"bare x1": ("bench_webhook:create_bare_app()", 1, None, None),
            "bare x4": ("bench_webhook:create_bare_app()", 4, None, None),
            "SQLite x1": ("platform_adapter.wsgi:app", 1, sqlite[1], "bare x1"),
            "PostgreSQL x4": ("platform_adapter.wsgi:app", 4, postgres_url, "bare x4")}
    if args.sqlite4:
        plan["SQLite x4"] = ("platform_adapter.wsgi:app", 4, sqlite[4], "bare x4")
    started = {}
    for name, (target, workers, url, bare) in plan.items():
        env = dict(base_env)
        if url:
            env["SIMPLEX_DATABASE_URL"] = url
            seed(url)
        chdir = ROOT / "benchmarks" if target.startswith("bench_webhook") else tmp
        proc, port = start_gunicorn(target, env, workers, chdir, tmp / f"{name.replace(' ', '_')}.log")
        stack.callback(_stop, proc)
        # Its CPU: the gunicorn workers', and for PostgreSQL the server's (backends, WAL writer, …) apart.
        database = postmaster if postmaster and url == postgres_url else None
        started[name] = {"port": port, "workers": workers, "bare": bare, "full": url is not None,
                         "pids": lambda master=proc.pid, database=database: (
                             children(master), children(database) if database else [])}
    return started


def _stop(proc) -> None:
    proc.terminate()
    proc.wait(timeout=15)


def measured(server: dict, work: list, concurrency: int) -> dict:
    """One load, with the CPU time its workers (and database server) spent per request."""
    workers, database = server["pids"]()
    before = cpu_seconds(workers), cpu_seconds(database)
    result = load(server["port"], work, concurrency)
    return {**result, "cpu_ms": (cpu_seconds(workers) - before[0]) * 1000 / len(work),
            "db_cpu_ms": (cpu_seconds(database) - before[1]) * 1000 / len(work)}


def run(args, postgres_url: str, postmaster: int | None = None) -> dict:
    """Start the servers, make the accounts and events, run the rounds; return every round's figures."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, ExitStack() as stack:
        servers = endpoints(args, Path(tmp), postgres_url, postmaster, stack)
        warm_count = 200
        total = args.requests * args.rounds + warm_count
        refs = [f"acct-bench-{n:05d}" for n in range(total // PER_ACCOUNT + 1)]
        for server in servers.values():
            if server["full"]:
                create_accounts(server["port"], refs)
        events = make_events(refs, PER_ACCOUNT)[:total]
        if len(events) < total:
            raise SystemExit(f"only {len(events)} events generated for {total} requests")
        warm = signed(events[:warm_count])
        for server in servers.values():
            load(server["port"], warm, args.concurrency)
        results: dict[str, list] = {name: [] for name in servers}
        names = list(servers)
        for r in range(args.rounds):
            chunk = signed(events[warm_count + r * args.requests:warm_count + (r + 1) * args.requests])
            # Rotate who goes first, so drift in the machine's load hits every endpoint alike.
            for name in names[r % len(names):] + names[:r % len(names)]:
                results[name].append(measured(servers[name], chunk, args.concurrency))
        return {"servers": {name: {k: v for k, v in s.items() if k != "pids"} for name, s in servers.items()},
                "results": results}


def summarise(run_result: dict, args) -> dict:
    """Best round per endpoint, and same-round ratios (median) to the bare endpoint and between databases."""
    servers, results = run_result["servers"], run_result["results"]
    best = {name: max(rounds, key=lambda r: r["rate"]) for name, rounds in results.items()}

    def ratio(a: str, b: str) -> float:
        return statistics.median(x["rate"] / y["rate"] for x, y in zip(results[a], results[b]))

    rows = {name: {**best[name], "workers": s["workers"],
                   "cpu_ms": statistics.median(r["cpu_ms"] for r in results[name]),
                   "db_cpu_ms": statistics.median(r["db_cpu_ms"] for r in results[name]),
                   "ratio_to_bare": ratio(name, s["bare"]) if s["bare"] else None,
                   "rounds": [round(r["rate"], 1) for r in results[name]]} for name, s in servers.items()}
    return {"concurrency": args.concurrency, "requests_per_round": args.requests, "rounds": args.rounds,
            "endpoints": rows, "postgres4_over_sqlite1": ratio("PostgreSQL x4", "SQLite x1"),
            **({"postgres4_over_sqlite4": ratio("PostgreSQL x4", "SQLite x4")} if "SQLite x4" in rows else {})}


def report(summary: dict, as_json: bool) -> None:
    """Print the table (or JSON)."""
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print(f"gunicorn on 127.0.0.1, {summary['concurrency']} concurrent clients, "
          f"{summary['requests_per_round']} requests x {summary['rounds']} rounds per endpoint "
          "(best round; ratios and CPU: median of the rounds)")
    print(f"  {'endpoint':<16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}   {'2xx':>11}   {'applied':>7}"
          f"   {'CPU ms/req workers + db':>24}   ratio to bare")
    for name, r in summary["endpoints"].items():
        to_bare = f"{r['ratio_to_bare']:.2f}" if r["ratio_to_bare"] is not None else "-"
        applied = str(r["applied"]) if r["ratio_to_bare"] is not None else "-"
        print(f"  {name:<16}{r['rate']:9.1f}{r['p50_ms']:9.2f}{r['p99_ms']:9.2f}   {r['ok']:>5}/{r['requests']:<5}"
              f"   {applied:>7}   {r['cpu_ms']:15.2f} + {r['db_cpu_ms']:4.2f}   {to_bare}")
    print(f"  PostgreSQL x4 / SQLite x1: {summary['postgres4_over_sqlite1']:.2f}" +
          (f"   PostgreSQL x4 / SQLite x4: {summary['postgres4_over_sqlite4']:.2f}"
           if "postgres4_over_sqlite4" in summary else ""))
    print("  req/s per round: " + json.dumps({k: v["rounds"] for k, v in summary["endpoints"].items()}))


def main() -> None:
    """Parse the options, start PostgreSQL unless given one, run and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="Requests per endpoint per round.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds; each runs every endpoint once.")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--no-sqlite4", dest="sqlite4", action="store_false", help="Skip SQLite under 4 workers.")
    parser.add_argument("--postgres-url", help="Use this (empty) PostgreSQL database instead of starting one.")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    if args.postgres_url:
        report(summarise(run(args, args.postgres_url), args), args.json)
        return
    from tests.support.postgres import missing_reason, running_postgres
    reason = missing_reason()
    if reason:
        raise SystemExit(f"{reason}; or pass --postgres-url")
    with running_postgres(durable=True) as server:
        postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        result = run(args, server.create_database("bench"), postmaster)
    report(summarise(result, args), args.json)


if __name__ == "__main__":
    main()
