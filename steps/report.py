"""Prints each scenario with ✅ / ❌ / ➖ (not applicable) as it finishes, and a summary."""

from collections import Counter
from dataclasses import dataclass, field

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry
from rich.console import Console

from .plugin import NOT_APPLICABLE, PREFLIGHT_FAILED


@dataclass(eq=False)  # pytest keeps plugin objects in sets: they must stay hashable
class ScenarioReporter:
    """A pytest plugin object: one line per scenario, failures with their first lines."""

    console: Console
    counts: dict = field(default_factory=lambda: {"passed": 0, "failed": 0, "not applicable": 0})
    why_not: Counter = field(default_factory=Counter)  # reason -> scenarios not applicable for it
    selected: int = 0
    preflight_failure: str | None = None

    @staticmethod
    def label(item) -> str:
        """'Feature › Scenario [example]'."""
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
        name = f"{template.feature.name} › {template.name}" if template else item.nodeid
        example = item.nodeid.split("[", 1)[1][:-1] if "[" in item.nodeid else ""
        return name + (f" [{example}]" if example else "")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self._failed = self._skipped = None
        yield
        label = self.label(item)
        if self._failed is not None:
            self.counts["failed"] += 1
            self.console.print(f"❌ {label}", markup=False, highlight=False)
            errors = [line for line in self._failed.splitlines() if line.startswith("E ")] or self._failed.splitlines()
            for line in errors[-4:]:
                self.console.print(f"     {line[:300]}", style="red", markup=False, highlight=False, soft_wrap=True)
        elif self._skipped is not None:
            self.counts["not applicable"] += 1
            self.why_not[self._skipped] += 1
            self.console.print(f"➖ {label} — {self._skipped}", markup=False, highlight=False, soft_wrap=True)
        else:
            self.counts["passed"] += 1
            self.console.print(f"✅ {label}", markup=False, highlight=False)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report):
        if report.failed and self._failed is None:
            self._failed = report.longreprtext or "failed"
        elif report.skipped and self._skipped is None:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            self._skipped = reason.removeprefix("Skipped: ").removeprefix(NOT_APPLICABLE)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        self.selected = len(items)

    @pytest.hookimpl
    def pytest_keyboard_interrupt(self, excinfo):
        message = str(getattr(excinfo.value, "msg", ""))
        if message.startswith(PREFLIGHT_FAILED):
            self.preflight_failure = message.removeprefix(PREFLIGHT_FAILED)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session, exitstatus):
        if self.preflight_failure is not None:
            return  # nothing ran: the command prints the one line
        c = self.counts
        style = "red" if c["failed"] else "green"
        ran = c["passed"] + c["failed"]
        self.console.print(f"[{style}]{c['passed']} passed, {c['failed']} failed[/], "
                           f"{c['not applicable']} not applicable")
        self.console.print(f"{ran} of {self.selected} selected scenarios ran", highlight=False)
        for reason, count in self.why_not.most_common():
            self.console.print(f"  ➖ {count} not applicable: {reason}", markup=False, highlight=False, soft_wrap=True)
