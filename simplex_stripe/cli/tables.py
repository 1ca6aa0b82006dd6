"""Tables that never cut an id: rich tables where every value fits whole, plain aligned lines anywhere else."""

from rich.console import Console
from rich.table import Table
from rich.text import Text


def output_console(**options) -> Console:
    """A console for line output: on a terminal as rich makes it; elsewhere (CI logs, pipes) lines are never
    wrapped at rich's default 80 columns, so a scenario name or a problem stays on one line."""
    console = Console(**options)
    if not console.is_terminal:
        console.soft_wrap = True
    return console


def plain(cell: str) -> str:
    """A cell's text without rich markup."""
    return Text.from_markup(cell).plain


def aligned(cells: list[str], widths: list[int]) -> str:
    """One plain line: each cell padded to its column's width (never cut), two spaces apart."""
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()


class Rows:
    """A titled table printed whole once its rows are in."""

    def __init__(self, title: str, *columns: str, right: tuple[str, ...] = ()) -> None:
        self.title, self.columns, self.right = title, list(columns), set(right)
        self.rows: list[list[str]] = []

    def add(self, *cells: str) -> None:
        """Add a row; cells may hold rich markup and several lines."""
        self.rows.append([str(c) for c in cells])

    def widths(self, width: int) -> list[int] | None:
        """Column widths for a terminal `width` wide where prose wraps between words and every id, event type and
        URL stays whole; None when even the longest words do not fit side by side."""
        cells = [[plain(c) for c in column] for column in zip(self.columns, *self.rows)]
        natural = [max(len(line) for c in column for line in c.split("\n")) for column in cells]
        values = [max([len(w) for c in column[1:] for w in c.split()] or [1]) for column in cells]
        headers = [max(v, *(len(w) for w in column[0].split())) for v, column in zip(values, cells)]
        room = width - 3 * len(self.columns) - 1  # borders and padding
        for floor in (headers, values):  # headers wrap only when that is what it takes
            widths = list(natural)
            while sum(widths) > room:
                shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
                if not shrinkable:
                    break
                widths[max(shrinkable, key=lambda i: widths[i])] -= 1
            if sum(widths) <= room:
                return widths
        return None

    def rich(self, widths: list[int]) -> Table:
        """The rich table with these column widths (prose wraps between words)."""
        table = Table(title=self.title)
        for column, size in zip(self.columns, widths):
            table.add_column(column, overflow="fold", width=size, justify="right" if column in self.right else "left")
        for row in self.rows:
            table.add_row(*row)
        return table

    def lines(self) -> list[str]:
        """The table as plain aligned lines; a cell of several lines continues on the next lines."""
        expanded: list[list[str]] = []
        for row in [self.columns, *self.rows]:
            parts = [plain(cell).split("\n") for cell in row]
            for depth in range(max(len(p) for p in parts)):
                expanded.append([p[depth] if depth < len(p) else "" for p in parts])
        widths = [max(len(line[i]) for line in expanded) for i in range(len(self.columns))]
        return [f"{self.title}:", *(aligned(line, widths) for line in expanded)]

    def print(self, console: Console) -> None:
        """A rich table on a terminal wide enough to keep every value whole; plain aligned lines otherwise (CI logs,
        pipes, narrow terminals: a long line soft-wraps but copies whole)."""
        widths = self.widths(console.width) if console.is_terminal else None
        if widths is not None:
            console.print(self.rich(widths))
        else:
            for line in self.lines():
                console.print(line, markup=False, highlight=False, soft_wrap=True)
