"""Output for deliveries: a live table on a terminal (a progress bar for long runs), one plain line per attempt
elsewhere; ids are never cut."""

from rich.console import Console
from rich.live import Live
from rich.progress import Progress

from simulator.delivery.sender import Attempt, Report

from .answers import answer, deliveries, summary, tally
from .tables import Rows, aligned

LONG_RUN = 40
COLUMNS = ("event", "type", "try", "status", "outcome", "ms", "reason")
# Plain lines are padded to these widths (never cut: a longer value just pushes the line on).
PLAIN_WIDTHS = [28, 29, 5, 5, 9, 8, 0]


def cells(a: Attempt) -> list[str]:
    """One attempt's cells: ids, status, the platform's outcome and reason (or the error), latency."""
    status = str(a.status) if a.status is not None else (a.error or "error").split(":")[0]
    outcome, reason = answer(a)
    if not a.ok:
        reason = (a.error or a.response or "").replace("\n", " ")[:120]
    return [a.event_id, a.type, str(a.attempt), status, outcome or ("—" if a.ok else "failed"),
            f"{a.latency_ms:.1f}", reason or ""]


def _styled(a: Attempt) -> list[str]:
    row = cells(a)
    style = "green" if a.ok else "red"
    row[3] = f"[{style}]{row[3]}[/]"
    return row


def plain_line(a: Attempt) -> str:
    """One attempt as a plain aligned line (CI logs, pipes)."""
    row = cells(a)
    row[2], row[3], row[5] = f"try {row[2]}", f"[{row[3]}]", f"{row[5]} ms"
    return aligned(row, PLAIN_WIDTHS)


class LiveDeliveries:
    """Shows attempts as they happen; silent when the output is JSON."""

    def __init__(self, console: Console, total: int, quiet: bool = False) -> None:
        self.console, self.total, self.quiet = console, total, quiet
        self.rows = Rows("deliveries", *COLUMNS, right=("try", "status", "ms"))
        self._live = None
        self._progress = None
        self._task = None
        self._attempts: list[Attempt] = []
        # Plain lines off a terminal, or on one too narrow for whole ids beside each other.
        self.plain = not console.is_terminal

    def __enter__(self) -> "LiveDeliveries":
        if self.quiet or not self.console.is_terminal:
            return self
        self.plain = self.rows.widths(self.console.width) is None
        if self.plain:
            return self
        if self.total > LONG_RUN:
            self._progress = Progress(console=self.console)
            self._task = self._progress.add_task("delivering", total=self.total)
            self._progress.start()
        else:
            self._live = Live(self.rows.rich(self.rows.widths(self.console.width)), console=self.console,
                              refresh_per_second=8)
            self._live.start()
        return self

    def add(self, attempt: Attempt) -> None:
        """Record one attempt on screen."""
        if self.quiet:
            return
        if self.plain:
            self.console.print(plain_line(attempt), markup=False, highlight=False, soft_wrap=True)
        elif self._progress is not None:
            if attempt.ok or attempt.attempt == 1:
                self._progress.advance(self._task, 1 if attempt.attempt == 1 else 0)
        else:
            self._attempts.append(attempt)
            self.rows.add(*_styled(attempt))
            widths = self.rows.widths(self.console.width)
            if widths is None:
                self._go_plain()
            else:
                self._live.update(self.rows.rich(widths))

    def _go_plain(self) -> None:
        """A row no longer fits whole beside the others: clear the live table and go on as plain lines."""
        self._live.update("", refresh=True)
        self._live.stop()
        self._live, self.plain = None, True
        for attempt in self._attempts:
            self.console.print(plain_line(attempt), markup=False, highlight=False, soft_wrap=True)

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
            self.console.print()
        if self._progress is not None:
            self._progress.stop()


def print_report(console: Console, report: Report, unexpected: list | None = None) -> None:
    """Every delivery that finally failed or answered against --expect (None: nothing expected), then the summary."""
    done = deliveries(report)
    retries = len(report.attempts) - len(done)
    if report.failed:
        table = Rows("failed deliveries", *COLUMNS, right=("try", "status", "ms"))
        for a in report.failed:
            table.add(*_styled(a))
        table.print(console)
    wrong = [s for s in unexpected or () if s.verdict != "failed"]
    if wrong:
        table = Rows("unexpected outcomes", "event", "type", "outcome", "expected", "reason")
        for s in wrong:
            table.add(s.attempt.event_id, s.attempt.type, s.verdict, s.wanted, answer(s.attempt)[1] or "")
        table.print(console)
    counts = tally(report)
    hint = ""
    if not report.ok or unexpected:
        style, mark = "red", "❌"
    elif counts.get("rejected") and unexpected is None:
        # Acknowledged is not accepted: without --expect a rejection does not fail the run, but it is not a ✅.
        style, mark, hint = "yellow", "⚠️ ", "; --strict fails a run with rejected events"
    else:
        style, mark = "green", "✅"
    console.print(f"[{style}]{mark} {summary(counts)}[/] ({len(done)} deliveries, {retries} retries{hint})",
                  highlight=False, soft_wrap=True)
