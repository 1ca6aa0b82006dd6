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
    parser.add_argument("--api-version", action="append",
                        help="the account's default API version (repeatable: one count per version; default: the "
                             "SDK's pinned one)")
    args = parser.parse_args()
    counts = [(version, measure(args, version)) for version in args.api_version or [None]]
    if len(counts) > 1:
        print("\n| account's API version | fixtures that pass |\n|---|---|")
        for version, (passed, total) in counts:
            print(f"| `{version}` | {passed} of {total} |")
    return 0 if counts[0][1] else 2


def measure(args, version: str | None) -> tuple[int, int] | None:
    """Run every Billing and Payments fixture at `version`; print each result and the count."""
    names = [n for n in CLI_EVENTS if billing_and_payments(n) and (not args.only or args.only in n)]
    missing = [n for n in names if not (args.folder / f"{n}.json").is_file()]
    if missing:
        print(f"{args.folder} lacks {len(missing)} files, e.g. {missing[0]}.json", file=sys.stderr)
        return None
    failures = []
    for name in names:
        result = check((args.folder / f"{name}.json").read_text(encoding="utf-8"), event_of(name),
                       source=f"{name}.json", api_version=version)
        print(f"{'ok  ' if result.ok else 'FAIL'} {name:45} {result.problem or f'{len(result.events)} events'}",
              flush=True)
        if not result.ok:
            failures.append((name, result.problem))
    print(f"\n{len(names) - len(failures)} of {len(names)} Billing and Payments fixtures pass"
          + (f" (account's API version {version})" if version else ""))
    if args.markdown:
        print("\n| fixture | why it does not run |\n|---|---|")
        for name, problem in failures:
            print(f"| `{name}` | {problem.replace('|', '/')} |")
    return len(names) - len(failures), len(names)


if __name__ == "__main__":
    sys.exit(main())
