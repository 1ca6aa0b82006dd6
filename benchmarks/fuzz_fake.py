"""Fuzz the fake Stripe's API, `/_sim/` helpers and hosted pages over HTTP on 127.0.0.1, and report the counts.

Cases (`tests/support/fuzz_http.py`): every served route and helper with real ids or hostile path segments,
Stripe's bracket syntax and broken brackets, hostile values, raw bodies, odd methods and headers; `forged`
ones carry no key, a live, publishable or wrong key (the fake pins its key): each must be a 401 that changes
nothing (objects, newest event, clock, delivery options). Routes that would make the fake send HTTP to a URL
the input chose (webhook endpoints, event retry) are left out.

    python benchmarks/fuzz_fake.py [--cases 10000] [--seed 13] [--json]

Exit status 1 when any case got a 5xx, no answer within 5 s, a closed connection without an answer, a leak,
or a state change while forged.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fuzz_runs import run_fake  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args()
    result = run_fake(args.cases, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['cases']} cases in {result['seconds']} s: by kind {result['by_kind']}")
        print(f"by status {result['by_status']}")
        print(f"5xx {result['status_5xx']}, hangs (no answer in 5 s) {result['hangs']}, closed without an answer "
              f"{result['closed_without_answer']}, slowest {result['slowest_s']} s")
        print(f"forged {result['forged']}, state changes from them {result['state_changes_forged']}; "
              f"serving after: {result['serving_after']}")
        for problem in result["problems"]:
            print("problem:", problem)
    return 1 if result["problem_count"] or not result["serving_after"] else 0


if __name__ == "__main__":
    sys.exit(main())
