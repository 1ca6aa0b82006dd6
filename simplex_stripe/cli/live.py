"""Rich output for deliveries: a live table for short runs, a progress bar for long ones."""

from rich.console import Console
from rich.live import Live
from rich.progress import Progress
from rich.table import Table

from simulator.sender import Attempt, Report

LONG_RUN = 40


def _table(title: str, width: int = 120) -> Table:
    table = Table(title=title)
    wide = width >= 110  # the response column only where it fits beside the ids
    table.add_column("event", no_wrap=True, min_width=12, overflow="ellipsis")
    table.add_column("type", no_wrap=True, min_width=12, overflow="ellipsis")
    table.add_column("try", justify="right", no_wrap=True, min_width=3)
    table.add_column("status", justify="right", no_wrap=True, min_width=6)
    table.add_column("ms", justify="right", no_wrap=True, min_width=6)
    if wide:
        table.add_column("response", overflow="ellipsis", no_wrap=True, max_width=40)
    return table


def _row(table: Table, a: Attempt) -> None:
    status = str(a.status) if a.status is not None else (a.error or "error").split(":")[0]
    style = "green" if a.ok else "red"
    cells = [a.event_id, a.type, str(a.attempt), f"[{style}]{status}[/]", f"{a.latency_ms:.1f}"]
    if len(table.columns) > len(cells):
        cells.append((a.response or a.error or "").replace("\n", " ")[:60])
    table.add_row(*cells)


class LiveDeliveries:
    """Shows attempts as they happen; silent when the output is JSON."""

    def __init__(self, console: Console, total: int, quiet: bool = False) -> None:
        self.console, self.total, self.quiet = console, total, quiet
        self.table = _table("deliveries", console.width)
        self._live = None
        self._progress = None
        self._task = None

    def __enter__(self) -> "LiveDeliveries":
        if self.quiet:
            return self
        if self.total > LONG_RUN:
            self._progress = Progress(console=self.console)
            self._task = self._progress.add_task("delivering", total=self.total)
            self._progress.start()
        else:
            self._live = Live(self.table, console=self.console, refresh_per_second=8)
            self._live.start()
        return self

    def add(self, attempt: Attempt) -> None:
        """Record one attempt on screen."""
        if self.quiet:
            return
        if self._progress is not None:
            if attempt.ok or attempt.attempt == 1:
                self._progress.advance(self._task, 1 if attempt.attempt == 1 else 0)
        else:
            _row(self.table, attempt)

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
            self.console.print()
        if self._progress is not None:
            self._progress.stop()


def print_report(console: Console, report: Report) -> None:
    """The summary line, and every delivery that finally failed."""
    deliveries = sum(1 for a in report.attempts if a.attempt == 1)
    retries = len(report.attempts) - deliveries
    if report.ok:
        console.print(f"[green]✅ {deliveries} deliveries acknowledged[/] ({retries} retries)")
        return
    table = _table("failed deliveries", console.width)
    for a in report.failed:
        _row(table, a)
    console.print(table)
    console.print(f"[red]❌ {len(report.failed)} of {deliveries} deliveries failed[/] ({retries} retries)")
