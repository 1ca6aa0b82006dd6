"""The fidelity report: per story, step and event type; as a table for people or JSON for CI."""

from dataclasses import dataclass, field

from .compare import StoryResult, Tally


@dataclass
class Report:
    """Every compared story of one cassette."""

    stories: list[StoryResult] = field(default_factory=list)
    api_base: str = ""
    # What the score counts: "events" (a simplex-stripe cassette) or "responses" (a VCR cassette: HTTP only).
    basis: str = "events"
    skipped: list[str] = field(default_factory=list)

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
    def scored(self) -> Tally:
        """The tally the score is of: event fields, or response fields for a VCR cassette."""
        return self.events if self.basis == "events" else self.responses

    @property
    def score(self) -> float | None:
        """Matching fields / compared fields of the basis, in percent; None when nothing was compared."""
        return self.scored.score

    def passed(self, min_score: float | None) -> bool:
        """Whether there is evidence and it reaches `min_score` (no evidence never passes)."""
        return self.score is not None and self.score >= (min_score or 0.0)

    @property
    def coverage(self) -> dict:
        """Steps and requests replayed, recorded ids mapped, over every story."""
        out = {"steps": {"recorded": 0, "replayed": 0}, "requests": {"recorded": 0, "replayed": 0},
               "ids": {"referenced": 0, "resolved": 0, "unresolved": []}, "not_replayable": list(self.skipped)}
        for story in self.stories:
            for part in ("steps", "requests", "ids"):
                for key, value in story.coverage.get(part, {}).items():
                    out[part][key] += value
        return out

    def as_dict(self, limit: int | None = None) -> dict:
        """JSON for CI: score, tallies per type, and per story its steps and differences."""
        return {
            "score": None if self.score is None else round(self.score, 2), "basis": self.basis,
            "evidence": self.score is not None, "replay": self.coverage,
            "events": self.events.as_dict(), "responses": self.responses.as_dict(),
            "by_type": {kind: tally.as_dict() for kind, tally in self.by_type.items()},
            "stories": [{
                "name": story.name, "error": story.error, "events": story.events.as_dict(),
                "responses": story.responses.as_dict(), "replay": story.coverage, "seeded": story.seeded,
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
        if self.by_type:
            lines.append(f"{'event type':<42} {'fields matched':>20} {'score':>8}")
            for kind, tally in self.by_type.items():
                lines.append(f"{kind:<42} {_cell(tally):>20} {_pct(tally, 1, cell=False):>8}")
            lines.append("")
        lines.extend(self._replay_lines())
        lines.append(self.score_line())
        return "\n".join(lines)

    def _replay_lines(self) -> list[str]:
        cov = self.coverage
        steps, requests, ids = cov["steps"], cov["requests"], cov["ids"]
        lines = [f"replayed: steps {steps['replayed']}/{steps['recorded']}, requests {requests['replayed']}/"
                 f"{requests['recorded']}"
                 + (f" ({len(self.skipped)} recorded interactions not replayable)" if self.skipped else "")
                 + f", recorded ids mapped {ids['resolved']}/{ids['referenced']}"
                 + (f" (sent as recorded: {', '.join(ids['unresolved'][:5])})" if ids["unresolved"] else "")]
        lines.extend(f"  not replayable: {why}" for why in self.skipped[:5])
        seeds = [seed for story in self.stories for seed in story.seeded]
        if seeds:
            lines.append("seeded before replay (objects the recording's account already had, made from the shapes "
                         "its responses show):")
            for seed in seeds:
                lines.append(f"  {seed['kind']} {seed['recorded']} -> {seed['replay']} (shape from {seed['source']})"
                             if seed["replay"] else f"  {seed['kind']} {seed['recorded']}: not seeded: "
                                                    f"{seed['problem']}")
        return lines

    def score_line(self) -> str:
        """The last line: the score and its basis, or "no evidence" when nothing was compared."""
        responses = f"API responses {_pct(self.responses, 2)}"
        if self.basis == "responses":
            head = ("fidelity score: no evidence (no response fields compared)" if self.score is None else
                    f"fidelity score: {self.score:.2f}% of response fields ({_cell(self.responses)})")
            return head + " (a VCR cassette records HTTP only, no events)"
        if self.score is None:
            return ("fidelity score: no evidence (0 event fields compared: the recording has no events); "
                    + responses)
        return f"fidelity score: {self.score:.2f}% of event fields ({_cell(self.events)}); {responses}"


def _cell(tally: Tally) -> str:
    return f"{tally.matched}/{tally.compared}"


def _pct(tally: Tally, digits: int = 1, cell: bool = True) -> str:
    if tally.score is None:
        return "no evidence" + (f" ({_cell(tally)})" if cell else "")
    return f"{tally.score:.{digits}f}%" + (f" ({_cell(tally)})" if cell else "")
