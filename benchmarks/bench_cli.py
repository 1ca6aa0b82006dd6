"""CLI start-up: `simplex-stripe --help`, `sequences` and `fire --dry-run` as whole processes vs bare Python.

Each command runs as its own process, interleaved with `python -c pass` and `python -c "import click"`
in the same rounds; wall time and the process's CPU time (user + system, from wait4), median of the
rounds. Goal: `--help` at most 2 x the `import click` process.

    python benchmarks/bench_cli.py              # 15 rounds
    python benchmarks/bench_cli.py --rounds 30 --json
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SECRET = "whsec_bench_cli_0123456789"
GOAL = 2.0


def cli() -> list[str]:
    """The installed console script when it runs this checkout's code, else `python -m simplex_stripe`."""
    script = shutil.which("simplex-stripe", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "simplex_stripe"]


def subjects() -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import click"': [sys.executable, "-c", "import click"],
        "simplex-stripe --help": [*cli(), "--help"],
        "simplex-stripe sequences": [*cli(), "sequences"],
        "simplex-stripe fire --dry-run": [*cli(), "fire", "first-purchase", "renewal", "--secret", SECRET,
                                          "--dry-run", "--start", "2026-01-31T10:00:00Z"],
    }


def run_once(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(rounds: int) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                                     os.environ.get("PYTHONPATH")]))}
    cases = subjects()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for name, argv in cases.items():  # warm the file cache and .pyc files first
        run_once(argv, env)
    for index in range(rounds):
        names = list(cases)
        names = names[index % len(names):] + names[:index % len(names)]  # rotate who goes first
        for name in names:
            samples[name].append(run_once(cases[name], env))
    result = {name: {"wall_ms": statistics.median(w for w, _ in s) * 1000,
                     "cpu_ms": statistics.median(c for _, c in s) * 1000} for name, s in samples.items()}
    click_ms = result['python -c "import click"']
    for row in result.values():
        row["wall_vs_click"] = row["wall_ms"] / click_ms["wall_ms"]
        row["cpu_vs_click"] = row["cpu_ms"] / click_ms["cpu_ms"]
    return {"rounds": rounds, "load_average": os.getloadavg(), "results": result,
            "help_within_goal": result["simplex-stripe --help"]["wall_vs_click"] <= GOAL}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    report = measure(args.rounds)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.rounds} rounds, median per process; load average {', '.join(f'{x:.2f}' for x in report['load_average'])}")
    print(f"{'process':34} {'wall ms':>8} {'CPU ms':>8} {'wall / click':>13} {'CPU / click':>12}")
    for name, row in report["results"].items():
        print(f"{name:34} {row['wall_ms']:8.1f} {row['cpu_ms']:8.1f} {row['wall_vs_click']:13.2f} "
              f"{row['cpu_vs_click']:12.2f}")
    verdict = "met" if report["help_within_goal"] else "MISSED"
    print(f"goal: --help <= {GOAL} x the `import click` process (wall): {verdict}")


if __name__ == "__main__":
    main()
