"""What a platform answered to each delivery: the reference contract's `outcome`/`reason`, tallies, expectations."""

from collections import Counter
from dataclasses import dataclass

from simulator.delivery.answers import answer
from simulator.delivery.sender import Attempt, Report

# The contract's outcomes, in the order the summary line shows them; `failed` = never acknowledged with a 2xx.
OUTCOMES = ("applied", "duplicate", "rejected", "ignored", "pending")
SUMMARY = ("applied", "duplicate", "rejected", "ignored")
# A 2xx whose body is not the contract's JSON (another platform, a plain receiver).
ACKNOWLEDGED = "acknowledged"
FAILED = "failed"


def verdict(attempt: Attempt) -> str:
    """One delivery's verdict from its last attempt: an outcome, `acknowledged` or `failed`."""
    if not attempt.ok:
        return FAILED
    return answer(attempt)[0] or ACKNOWLEDGED


def deliveries(report: Report) -> list[Attempt]:
    """The last attempt of each delivery, in the order they finished (a delivery's attempts are contiguous)."""
    last: list[Attempt] = []
    for a in report.attempts:
        if a.attempt == 1 or not last or last[-1].event_id != a.event_id:
            last.append(a)
        else:
            last[-1] = a
    return last


def tally(report: Report) -> Counter:
    """How many deliveries ended with each verdict."""
    return Counter(verdict(a) for a in deliveries(report))


def summary(counts: Counter) -> str:
    """`applied 5 · duplicate 4 · rejected 0 · ignored 0 · failed 0` (+ pending/acknowledged/others when seen)."""
    shown = [*SUMMARY, *(k for k in counts if k not in SUMMARY and k != FAILED), FAILED]
    return " · ".join(f"{name} {counts.get(name, 0)}" for name in shown)


@dataclass(frozen=True)
class Surprise:
    """A delivery whose verdict is not what `--expect` allows."""

    attempt: Attempt
    verdict: str
    wanted: str


def surprises(report: Report, expected: frozenset[str]) -> list[Surprise]:
    """Each event's first acknowledged delivery must have an expected outcome; its redeliveries `duplicate`."""
    found, seen = [], set()
    for a in deliveries(report):
        got = verdict(a)
        if got == FAILED:
            found.append(Surprise(a, got, "a 2xx"))
        elif a.event_id in seen:
            if got != "duplicate":
                found.append(Surprise(a, got, "duplicate (a redelivery)"))
        else:
            seen.add(a.event_id)
            if got not in expected:
                found.append(Surprise(a, got, " or ".join(sorted(expected))))
    return found


def parse_expect(value: str) -> frozenset[str]:
    """`applied,ignored` -> the set; raises ValueError naming an unknown outcome."""
    wanted = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = sorted(wanted - set(OUTCOMES) - {ACKNOWLEDGED})
    if unknown or not wanted:
        raise ValueError(f"--expect {value!r}: use outcomes from {', '.join((*OUTCOMES, ACKNOWLEDGED))}, "
                         "comma-separated")
    return wanted
