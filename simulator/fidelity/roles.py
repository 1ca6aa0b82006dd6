"""Normalising ids and timestamps to their role in a story, so two runs' values can be compared."""

from typing import Any

from ..periods import shift_months
from .ids import is_id, prefix

CLOCK = "test_helpers.test_clock"
WALL_SLACK = 5  # seconds either side of a step: the API's clock and ours differ a little
MIN_TIME, MAX_TIME = 1_000_000_000, 5_000_000_000


def is_time(value: Any) -> bool:
    """Whether a number is (almost certainly) a Unix time: amounts in these stories stay far below 10^9."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_TIME <= value < MAX_TIME


def _frozen_times(value: Any, out: set[int]) -> None:
    if isinstance(value, dict):
        if value.get("object") == CLOCK and is_time(value.get("frozen_time")):
            out.add(value["frozen_time"])
        for item in value.values():
            _frozen_times(item, out)
    elif isinstance(value, list):
        for item in value:
            _frozen_times(item, out)


def _span(seconds: int) -> str:
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


class Timeline:
    """One run's reference instants: its test clock's frozen times (t0, t1, …) and each step's wall time."""

    def __init__(self, story: dict) -> None:
        times: set[int] = set()
        for step in story["steps"]:
            for request in step["requests"]:
                _frozen_times(request["response"], times)
            for event in step["events"]:
                _frozen_times(event["data"], times)
        if is_time(story.get("anchor")):
            times.add(story["anchor"])
        self.anchors = sorted(times)
        walls = [tuple(step["wall"]) for step in story["steps"]] or [(0, 0)]
        # Steps against a fast fake share seconds, so a wall time's role is "during the run", not a step.
        self.wall = (min(w[0] for w in walls) - WALL_SLACK, max(w[1] for w in walls) + WALL_SLACK)

    def is_wall(self, value: int) -> bool:
        """Whether a time falls while the story ran (objects off the test clock are stamped by the wall clock)."""
        return self.wall[0] <= value <= self.wall[1]

    def role(self, value: int, created: int | None = None) -> str:
        """`value` as "wall clock", "created+1d" (whole hours after its wall-clock object's creation, like a
        Checkout Session's expiry) or relative to a test clock time: "t0+1mo", "t1+3d"."""
        if self.is_wall(value):
            return "wall clock"
        if value in self.anchors:  # a test clock time, even when it happens to fall whole hours after `created`
            return f"t{self.anchors.index(value)}"
        if is_time(created) and self.is_wall(created) and value > created and (value - created) % 3600 == 0:
            return f"created+{_span(value - created)}"
        if not self.anchors:
            return "a time"
        below = [k for k, anchor in enumerate(self.anchors) if anchor <= value]
        if not below:
            return f"t0-{_span(self.anchors[0] - value)}"
        k = below[-1]
        base, months = self.anchors[k], 0
        while shift_months(base, months + 1) <= value:
            months += 1
        rest = value - shift_months(base, months)
        return f"t{k}" + (f"+{months}mo" if months else "") + (f"+{_span(rest)}" if rest else "")


class Names:
    """Readable names for one run's ids: the first `sub_` seen is "sub#1", the next "sub#2"."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, value: str) -> str:
        if value not in self.names:
            kind = prefix(value) if is_id(value) else "key"
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.names[value] = f"{kind}#{self.counts[kind]}"
        return self.names[value]


class Bijection:
    """Recorded id <-> replay id, bound at first sighting; a second, different pairing is a mismatch."""

    def __init__(self) -> None:
        self.forward: dict[str, str] = {}
        self.backward: dict[str, str] = {}

    def same(self, recorded: str, replayed: str) -> bool:
        """Whether the two ids play the same role (binding them if neither is bound yet)."""
        if recorded in self.forward:
            return self.forward[recorded] == replayed
        if replayed in self.backward:
            return False
        self.forward[recorded], self.backward[replayed] = replayed, recorded
        return True
