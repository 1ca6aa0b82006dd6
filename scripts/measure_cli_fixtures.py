"""Run Stripe CLI's own trigger fixtures (a copy of its `pkg/fixtures/triggers/` folder) against the fake Stripe.

    python scripts/measure_cli_fixtures.py path/to/stripe-cli/pkg/fixtures/triggers [--markdown]

Each Billing and Payments file runs on a fresh fake; it passes when it runs to the end, makes the event it is
named for, its responses and events pass strict spec validation and every delivery verifies with the SDK.
Prints one line per file and the count (with --markdown, the table docs/stripe-cli.md keeps). Development only:
the test suite never reads that folder.
"""

import argparse
import sys
from pathlib import Path

from simulator.fixture_check import check
from simulator.trigger_names import CLI_EVENTS, billing_and_payments, event_of


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="Stripe CLI's pkg/fixtures/triggers folder")
    parser.add_argument("--markdown", action="store_true", help="print the failures as a Markdown table")
    parser.add_argument("--only", help="run only the files whose names contain this")
    parser.add_argument("--api-version", help="send every request in this Stripe API version (default: the SDK's)")
    args = parser.parse_args()
    names = [n for n in CLI_EVENTS if billing_and_payments(n) and (not args.only or args.only in n)]
    missing = [n for n in names if not (args.folder / f"{n}.json").is_file()]
    if missing:
        print(f"{args.folder} lacks {len(missing)} files, e.g. {missing[0]}.json", file=sys.stderr)
        return 2
    failures = []
    for name in names:
        result = check((args.folder / f"{name}.json").read_text(encoding="utf-8"), event_of(name),
                       source=f"{name}.json", api_version=args.api_version)
        print(f"{'ok  ' if result.ok else 'FAIL'} {name:45} {result.problem or f'{len(result.events)} events'}",
              flush=True)
        if not result.ok:
            failures.append((name, result.problem))
    print(f"\n{len(names) - len(failures)} of {len(names)} Billing and Payments fixtures pass")
    if args.markdown:
        print("\n| fixture | why it does not run |\n|---|---|")
        for name, problem in failures:
            print(f"| `{name}` | {problem.replace('|', '/')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
