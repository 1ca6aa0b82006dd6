"""The whole conformance suite against the embedded target, timed against the 15 s goal.

Run: python benchmarks/bench_conformance.py   (goal: suite <= 15 s, i.e. ratio goal/elapsed >= 1)
Baseline in the same run: the same command collecting the scenarios without running them, which is
the fixed cost (interpreter, imports, feature parsing) every run pays.
"""

import subprocess
import sys
import time

GOAL_S = 15.0


def timed(*args: str, ok: tuple[int, ...] = (0, 1)) -> tuple[float, str]:
    """Seconds for one `simplex-stripe conformance` run in a fresh interpreter, and its last line."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "simplex_stripe", "conformance", *args],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(result.stdout + result.stderr)
    return elapsed, (result.stdout.strip().splitlines() or [""])[-1]


def main() -> None:
    fixed, _ = timed("--tags", "guide and reference", ok=(2,))  # no scenario has both tags
    runs = [timed() for _ in range(2)]
    elapsed, summary = min(runs)
    print(f"fixed cost (start-up, no scenario): {fixed:6.2f} s")
    print(f"whole suite, embedded target:       {elapsed:6.2f} s   ({summary})")
    print(f"scenario time:                      {elapsed - fixed:6.2f} s")
    print(f"ratio goal/elapsed:                 {GOAL_S / elapsed:6.2f}   (goal >= 1.0, i.e. <= {GOAL_S:.0f} s)")


if __name__ == "__main__":
    main()
