"""The fidelity report: per story, step and event type; as a table for people or JSON for CI."""

from dataclasses import dataclass, field

from .compare import StoryResult, Tally


@dataclass
class Report:
    """Every compared story of one cassette."""

    stories: list[StoryResult] = field(default_factory=list)
    api_base: str = ""

    @property
    def by_type(self) -> dict[str, Tally]:
        """Event field tallies per event type, over every story."""
        out: dict[str, Tally] = {}
        for story in self.stories:
            for kind, tally in story.by_type.items():
                out.setdefault(kind, Tally()).add(tally.compared, tally.matched)
        return dict(sorted(out.items()))

    @property
    def events(self) -> Tally:
        """Every event field: the fidelity score."""
        total = Tally()
        for story in self.stories:
            total.add(story.events.compared, story.events.matched)
        return total

    @property
    def responses(self) -> Tally:
        """Every API response field (reported beside the score)."""
        total = Tally()
        for story in self.stories:
            total.add(story.responses.compared, story.responses.matched)
        return total

    @property
    def score(self) -> float:
        """Matching event fields / compared event fields, in percent."""
        return self.events.score

    def as_dict(self, limit: int | None = None) -> dict:
        """JSON for CI: score, tallies per type, and per story its steps and differences."""
        return {
            "score": round(self.score, 2), "events": self.events.as_dict(), "responses": self.responses.as_dict(),
            "by_type": {kind: tally.as_dict() for kind, tally in self.by_type.items()},
            "stories": [{
                "name": story.name, "error": story.error, "events": story.events.as_dict(),
                "responses": story.responses.as_dict(),
                "steps": [{"name": step.name, "recorded_events": step.recorded_events,
                           "replayed_events": step.replayed_events, "events": step.events.as_dict(),
                           "responses": step.responses.as_dict(),
                           "differences": [d.as_dict() for d in step.differences[:limit]],
                           "more_differences": max(0, len(step.differences) - limit) if limit else 0}
                          for step in story.steps]}
                for story in self.stories],
        }

    def text(self, limit: int = 10) -> str:
        """The table people read: one row per step, per type scores, then the first differences per step."""
        lines = []
        for story in self.stories:
            lines.append(f"story {story.name}: events {_pct(story.events)}, responses {_pct(story.responses)}"
                         + (f"  (replay stopped: {story.error})" if story.error else ""))
            lines.append(f"  {'step':<30} {'events rec/rep':>14} {'event fields':>20} {'response fields':>20}")
            for step in story.steps:
                counts = f"{len(step.recorded_events)}/{len(step.replayed_events)}"
                lines.append(f"  {step.name:<30} {counts:>14} {_cell(step.events):>20} {_cell(step.responses):>20}")
            for step in story.steps:
                for diff in step.differences[:limit]:
                    lines.append(f"    ✗ {step.name} | {diff.where} | {diff.path}: {diff.kind}: "
                                 f"recorded {diff.recorded}, replay {diff.replayed}")
                if len(step.differences) > limit:
                    lines.append(f"    … {len(step.differences) - limit} more differences in {step.name}")
        lines.append("")
        lines.append(f"{'event type':<42} {'fields matched':>20} {'score':>8}")
        for kind, tally in self.by_type.items():
            lines.append(f"{kind:<42} {_cell(tally):>20} {tally.score:>7.1f}%")
        lines.append("")
        lines.append(f"fidelity score: {self.score:.2f}% of event fields ({self.events.matched}/"
                     f"{self.events.compared}); API responses {self.responses.score:.2f}% "
                     f"({self.responses.matched}/{self.responses.compared})")
        return "\n".join(lines)


def _cell(tally: Tally) -> str:
    return f"{tally.matched}/{tally.compared}"


def _pct(tally: Tally) -> str:
    return f"{tally.score:.1f}% ({_cell(tally)})"
