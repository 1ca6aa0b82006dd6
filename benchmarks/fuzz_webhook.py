"""Fuzz the platform's webhook endpoint with hypothesis and report what it answered.

The cases are those of `tests/platform/test_fuzz.py` (strategies in `tests/support/fuzz.py`):
unsigned and forged requests, correctly signed garbage, correctly signed one-field mutations of the
story engine's events of every sequence (both payload shapes), and the engine's events as made.
Each goes through the Flask test client to the real platform (SQLite file, a dict-backed Stripe).
For every unsigned or forged case the stored state (accounts, links, facts, events, redeliveries)
is fingerprinted before and after: it must not change.

    python benchmarks/fuzz_webhook.py [--cases 10000] [--seed 13] [--postgres] [--json]

Exit status 1 when any case got a 5xx, a body that leaks SQL or a traceback, a 200 without an
outcome code, or changed state while unsigned or forged.
"""

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from platform_adapter import create_app  # noqa: E402
from platform_adapter.config import Settings  # noqa: E402
from tests.platform.support import CATALOGUE, SECRET, DictGateway  # noqa: E402
from tests.support import fuzz  # noqa: E402


def run(cases: int, random_seed: int, database_url: str = "") -> dict:
    """Send `cases` generated deliveries; the counts."""
    by_status: Counter = Counter()
    by_kind: Counter = Counter()
    codes: Counter = Counter()
    problems: list = []
    changed = 0
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(stripe_secret_key="sk_test_fuzz", webhook_secret=SECRET, data_dir=data_dir,
                                  database_url=database_url, sqlite_synchronous="NORMAL"), gateway=DictGateway(prices={**CATALOGUE, **fuzz.catalogue()}))
        store = app.extensions["platform_adapter"].store
        with store.write() as tx:
            tx.create_account(fuzz.ACCOUNT, "jane@example.com", 0)
        client = app.test_client()
        fuzz.corpus()  # tell the stories before the clock starts

        @seed(random_seed)
        @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=fuzz.cases(SECRET))
        def deliver(case):
            nonlocal changed
            answer = fuzz.send(client, store, case)
            by_status[answer.status] += 1
            by_kind[(case.kind, answer.status)] += 1
            codes[(answer.status, answer.code)] += 1
            changed += answer.changed
            if answer.problems:
                problems.append({"kind": case.kind, "what": case.what, "status": answer.status,
                                 "problems": list(answer.problems), "body": case.body[:200].decode("latin-1")})

        start = time.perf_counter()
        deliver()
        elapsed = time.perf_counter() - start
        store.close()
    forged = sum(n for (kind, _), n in by_kind.items() if kind in (fuzz.UNSIGNED, fuzz.FORGED))
    return {"cases": sum(by_status.values()), "seconds": round(elapsed, 1),
            "by_status": {str(k): v for k, v in sorted(by_status.items())},
            "by_kind": {f"{kind} {status}": n for (kind, status), n in sorted(by_kind.items())},
            "codes": {f"{status} {code}": n for (status, code), n in sorted(codes.items())},
            "status_5xx": sum(n for status, n in by_status.items() if status >= 500),
            "unsigned_or_forged": forged, "state_changes_unsigned_or_forged": changed,
            "problems": problems[:20], "problem_count": len(problems)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000, help="deliveries to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=13, help="hypothesis seed (default 13)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--postgres", action="store_true",
                        help="store in a throwaway PostgreSQL (initdb/pg_ctl on this machine) instead of SQLite")
    args = parser.parse_args()
    if args.postgres:
        from tests.support.postgres import running_postgres
        with running_postgres() as server:
            result = run(args.cases, args.seed, server.create_database("fuzz"))
    else:
        result = run(args.cases, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"cases {result['cases']} in {result['seconds']} s (seed {args.seed}, "
              f"{'PostgreSQL' if args.postgres else 'SQLite'})")
        print("by status:   " + ", ".join(f"{k}: {v}" for k, v in result["by_status"].items()))
        print("by kind:")
        for key, n in result["by_kind"].items():
            print(f"  {key:<24} {n}")
        print("answers (status, outcome or error code):")
        for key, n in sorted(result["codes"].items(), key=lambda kv: -kv[1]):
            print(f"  {key:<40} {n}")
        print(f"5xx: {result['status_5xx']}")
        print(f"unsigned or forged: {result['unsigned_or_forged']}, state changes from them: "
              f"{result['state_changes_unsigned_or_forged']}")
        print(f"problems: {result['problem_count']}")
        for problem in result["problems"]:
            print(f"  {problem}")
    return 1 if result["problem_count"] else 0


if __name__ == "__main__":
    sys.exit(main())
