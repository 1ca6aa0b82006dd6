"""`simplex-stripe load`: Locust's headless and distributed modes around the lifecycle user.

Locust patches the process with gevent when imported, so it runs in a child process
(`python -m locust -f simulator/load/locustfile.py …`); this module never imports it.
"""

import importlib.util
import json
import os
import re
import secrets as token_source
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import click

from simulator.delivery.policy import ORDERS
from simulator.errors import SimulatorError
from simulator.load.options import LoadOptions, to_argv, to_environ
from simulator.delivery.sender import check_url

from .errors import UsageProblem
from .plan_options import plan_options

LOCUSTFILE_MODULE = "simulator.load.locustfile"
RUN_TIME = re.compile(r"^(\d+h)?(\d+m)?(\d+s)?$|^\d+$")
PROBE_NAME = "(probe) create account"  # the locustfile's names (not imported: importing it imports Locust)
FAILURES_FILE = "SIMPLEX_LOAD_FAILURES_FILE"


def locustfile() -> str:
    """The locustfile's path, found without importing it (importing it would import Locust)."""
    if importlib.util.find_spec("locust") is None:
        raise UsageProblem("`load` needs Locust, an extra: pip install '.[load]' in a checkout "
                           "(or pip install 'simplex-stripe[load]')")
    return importlib.util.find_spec(LOCUSTFILE_MODULE).origin


@click.command()
@click.option("--target", help="Webhook URL to POST to (not on --worker: the master sends it).")
@click.option("--secret", "secrets", multiple=True, help="Webhook signing secret whsec_…; repeat for rotation.")
@click.option("--users", type=click.IntRange(min=1), default=10, show_default=True, help="Concurrent Locust users.")
@click.option("--spawn-rate", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Users started per second.")
@click.option("--run-time", default="1m", show_default=True, help="How long to run: 30s, 5m, 1h30m.")
@click.option("--accounts-per-user", type=click.IntRange(min=1), default=3, show_default=True,
              help="Accounts each user lives through in turn, one whole lifecycle at a time.")
@click.option("--renewals", type=click.IntRange(min=0), default=2, show_default=True,
              help="Renewals in each lifecycle (first purchase, renewals, plan change, cancellation).")
@click.option("--account", "account_prefix", default="load", show_default=True,
              help="Prefix of the account references (client_reference_id, metadata.accountRef).")
@click.option("--probe-token", help="Create each account through the platform's conformance probe first.")
@plan_options
@click.option("--order", type=click.Choice(ORDERS), default="in-order", show_default=True,
              help="Delivery order within each lifecycle.")
@click.option("--seed", help="Seed for ids and shuffles (default: a fresh one, printed, so ids never repeat).")
@click.option("--duplicates", type=click.IntRange(min=0), default=0, show_default=True,
              help="Redeliver each event N more times.")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per attempt.")
@click.option("--master", is_flag=True, help="Run as the master of a distributed run (workers do the sending).")
@click.option("--expect-workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="--master: wait for this many workers before starting.")
@click.option("--master-bind-host", default="127.0.0.1", show_default=True,
              help="--master: interface to listen on for workers (0.0.0.0 for other machines).")
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True,
              help="The master's port (--master binds it, --worker connects to it).")
@click.option("--worker", is_flag=True, help="Run as a worker of the master at --master-host.")
@click.option("--master-host", default="127.0.0.1", show_default=True, help="--worker: the master's host.")
@click.option("--processes", type=click.IntRange(min=1), help="Fork this many Locust worker processes here.")
@click.option("--csv", "csv_prefix", help="Also write Locust's CSV stats: PREFIX_stats.csv, PREFIX_failures.csv, …")
@click.option("--web-ui", is_flag=True, help="Serve Locust's web UI on 127.0.0.1:8089 instead of running headless.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary on stdout.")
def load(target, secrets, users, spawn_rate, run_time, master, expect_workers, master_bind_host, master_port, worker,
         master_host, processes, csv_prefix, web_ui, as_json, **opts) -> None:
    """Fire signed customer lifecycles at a webhook URL from many Locust users, on one machine or several."""
    path = locustfile()
    if master and worker:
        raise UsageProblem("--master and --worker exclude each other")
    if worker:
        argv = ["--worker", "--master-host", master_host, "--master-port", str(master_port)]
        sys.exit(_run_locust(path, argv + (["--processes", str(processes)] if processes else [])))
    if not RUN_TIME.match(run_time):
        raise UsageProblem(f"--run-time {run_time!r}: use e.g. 30s, 5m, 1h30m")
    options, host = _options(target, secrets, opts)
    if not master:
        _check_reachable(target, options.timeout)
    if not as_json:
        click.echo(f"seed {options.seed}: replay this run with --seed {options.seed}", err=True)
    argv = ["--host", host, "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", run_time,
            "--only-summary", *to_argv(options)]
    argv += ["--autostart", "--web-host", "127.0.0.1"] if web_ui else ["--headless"]
    argv += _distribution(master, expect_workers, master_bind_host, master_port, processes)
    summary = _run_and_summarise(path, argv, options, csv_prefix)
    _print_summary(summary, as_json)
    # Locust exits 1 on failures, and also on exceptions in a user's code that no request shows.
    ok = summary["requests"] > 0 and summary["failures"] == 0 and summary["locust_exit_code"] == 0
    sys.exit(0 if ok else 1)


def _distribution(master: bool, expect_workers: int, bind_host: str, port: int, processes: int | None) -> list[str]:
    """Locust's arguments for a master, or for a process that forks workers (then its own master)."""
    bind = ["--master-bind-host", bind_host, "--master-bind-port", str(port)]
    if master:
        return ["--master", "--expect-workers", str(expect_workers), *bind]
    if processes:  # Locust makes this process the master of its forks: keep that master on bind_host too
        return ["--processes", str(processes), *bind]
    return []


def _run_and_summarise(path: str, argv: list[str], options: LoadOptions, csv_prefix: str | None) -> dict:
    """Run Locust to the end and read its statistics (exit 2 when it wrote none)."""
    with tempfile.TemporaryDirectory(prefix="simplex-load-") as tmp:
        stats, failures = str(Path(tmp) / "stats"), str(Path(tmp) / "failures.json")
        # Both written at shutdown with the final figures (Locust's CSV files lag up to a second).
        argv = argv + ["--json-file", stats] + (["--csv", csv_prefix] if csv_prefix else [])
        code = _run_locust(path, argv, {**to_environ(options), FAILURES_FILE: failures})
        summary = read_summary(stats + ".json")
        if summary is None:
            raise UsageProblem(f"Locust exited with status {code} before writing its statistics (see its log above)")
        summary["seed"] = options.seed
        summary["failure_reasons"] = read_failures(failures)
        summary["locust_exit_code"] = code
    return summary


def _options(target: str | None, secrets: tuple[str, ...], opts: dict) -> tuple[LoadOptions, str]:
    """Validate everything before Locust starts, so a mistake is one line and exit 2."""
    if not target:
        raise UsageProblem("--target URL is required (except on --worker)")
    if not secrets:
        raise UsageProblem("--secret whsec_… is required")
    try:
        parts = urlsplit(check_url(target))
        options = LoadOptions(
            secrets=tuple(secrets), webhook_path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
            account=opts.pop("account_prefix"), seed=opts.pop("seed") or token_source.token_hex(4), **opts)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    return options, f"{parts.scheme}://{parts.netloc}"


def _check_reachable(target: str, timeout: float) -> None:
    """Fail fast, as `fire` does, when the target does not answer at all (any HTTP answer will do)."""
    import requests
    try:
        requests.head(target, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise UsageProblem(f"target {target} is unreachable ({type(exc).__name__})") from None


def _run_locust(path: str, argv: list[str], secrets: dict[str, str] | None = None) -> int:
    """Run Locust in a child process (its output goes to our stderr); return its exit status.

    Ctrl-C reaches the child with ours (same process group); a SIGTERM sent to us is passed on, so
    the child still writes its statistics and stops cleanly.
    """
    child = subprocess.Popen([sys.executable, "-m", "locust", "-f", path, *argv], stdout=sys.stderr,
                             env={**os.environ, **(secrets or {})})
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue  # the child got the Ctrl-C too: wait for it to write its statistics
    finally:
        signal.signal(signal.SIGTERM, previous)


def read_summary(stats_json: str) -> dict | None:
    """Requests, failures, rates and latencies, per request name and in total, from Locust's final JSON stats."""
    try:
        with open(stats_json, encoding="utf-8") as fh:
            entries = json.load(fh)
    except FileNotFoundError:
        return None
    rows = [_row(e) for e in entries]
    events = [r for r in rows if r["name"] != PROBE_NAME]
    total = _row({"name": "total", "num_requests": sum(e["num_requests"] for e in entries),
                  "num_failures": sum(e["num_failures"] for e in entries),
                  "start_time": min((e["start_time"] for e in entries), default=0),
                  "last_request_timestamp": max((e["last_request_timestamp"] or 0 for e in entries), default=0),
                  "response_times": _merged(e["response_times"] for e in entries)})
    delivered = sum(r["requests"] for r in events)
    return {"requests": total["requests"], "failures": total["failures"], "events": delivered,
            "events_per_s": total["per_s"] * delivered / max(total["requests"], 1), "requests_per_s": total["per_s"],
            "median_ms": total["median_ms"], "p95_ms": total["p95_ms"], "rows": rows}


def read_failures(failures_json: str, limit: int = 10) -> list[dict]:
    """The most frequent failure reasons, as the locustfile wrote them at shutdown."""
    try:
        with open(failures_json, encoding="utf-8") as fh:
            errors = json.load(fh)
    except FileNotFoundError:
        return []
    errors.sort(key=lambda e: -e["occurrences"])
    return [{"name": e["name"], "error": e["error"], "occurrences": e["occurrences"]} for e in errors[:limit]]


def _merged(histograms) -> dict[str, int]:
    merged: dict[str, int] = {}
    for histogram in histograms:
        for ms, count in histogram.items():
            merged[ms] = merged.get(ms, 0) + count
    return merged


def _percentile(histogram: dict[str, int], fraction: float) -> float:
    """The response time (ms, as Locust rounds it) below which `fraction` of the requests fall."""
    count, seen = sum(histogram.values()), 0
    for ms in sorted(histogram, key=float):
        seen += histogram[ms]
        if seen >= fraction * count:
            return float(ms)
    return 0.0


def _row(entry: dict) -> dict:
    span = (entry["last_request_timestamp"] or 0) - entry["start_time"]
    requests = entry["num_requests"]
    return {"name": entry["name"], "requests": requests, "failures": entry["num_failures"],
            "per_s": requests / span if span > 0 else float(requests),
            "median_ms": _percentile(entry["response_times"], 0.5),
            "p95_ms": _percentile(entry["response_times"], 0.95)}


def _print_summary(summary: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    from rich.console import Console

    from .tables import Rows
    table = Rows("simplex-stripe load", "request", "sent", "failed", "median ms", "p95 ms", "per s",
                 right=("sent", "failed", "median ms", "p95 ms", "per s"))
    for row in summary["rows"]:
        table.add(row["name"], str(row["requests"]), str(row["failures"]), f"{row['median_ms']:.0f}",
                  f"{row['p95_ms']:.0f}", f"{row['per_s']:.1f}")
    table.print(Console())
    for failure in summary["failure_reasons"]:
        click.echo(f"  {failure['occurrences']}× {failure['name']}: {failure['error']}")
    click.echo(f"{summary['events']} deliveries, {summary['failures']} failed, "
               f"{summary['events_per_s']:.0f} events/s")
