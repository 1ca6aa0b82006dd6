"""Compare a recorded story with its replay, field by field, and score the fake's fidelity."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .ids import is_id
from .roles import Bijection, Names, Timeline, is_time

# Fields whose value is the account's or the run's own (URLs, invoice numbers, fingerprints, secrets, how many
# endpoints an account has): compared by type only.
VOLATILE = frozenset({
    "url", "hosted_invoice_url", "invoice_pdf", "receipt_url", "client_secret", "number", "receipt_number",
    "fingerprint", "pending_webhooks", "invoice_prefix", "account_name", "account_country", "statement_descriptor",
    "calculated_statement_descriptor", "statement_descriptor_suffix", "deletes_after",
})
ABSENT = "(absent)"


@dataclass
class Tally:
    """Compared fields and how many matched."""

    compared: int = 0
    matched: int = 0

    def add(self, compared: int, matched: int) -> None:
        """Count fields."""
        self.compared += compared
        self.matched += matched

    @property
    def score(self) -> float | None:
        """Matching share in percent; None when nothing was compared (no evidence, never 100 %)."""
        return None if not self.compared else 100.0 * self.matched / self.compared

    def as_dict(self) -> dict:
        """JSON form (`score` null when nothing was compared)."""
        return {"compared": self.compared, "matched": self.matched,
                "score": None if self.score is None else round(self.score, 2)}


@dataclass
class Difference:
    """One field that differs: where (step, event or request), which field, both values by role."""

    step: str
    where: str
    path: str
    kind: str
    recorded: str
    replayed: str

    def as_dict(self) -> dict:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class StepResult:
    """One step: its events on both sides, field tallies, differences."""

    name: str
    recorded_events: list[str]
    replayed_events: list[str]
    events: Tally = field(default_factory=Tally)
    responses: Tally = field(default_factory=Tally)
    differences: list[Difference] = field(default_factory=list)


@dataclass
class StoryResult:
    """One story: its steps, per event type tallies and the responses' tally."""

    name: str
    steps: list[StepResult] = field(default_factory=list)
    by_type: dict[str, Tally] = field(default_factory=dict)
    error: str | None = None
    coverage: dict = field(default_factory=dict)
    seeded: list[dict] = field(default_factory=list)

    @property
    def events(self) -> Tally:
        """Every event field of the story."""
        total = Tally()
        for tally in self.by_type.values():
            total.add(tally.compared, tally.matched)
        return total

    @property
    def responses(self) -> Tally:
        """Every response field of the story."""
        total = Tally()
        for step in self.steps:
            total.add(step.responses.compared, step.responses.matched)
        return total


def leaves(value: Any) -> int:
    """How many scalar fields a JSON value holds (an empty container counts as one)."""
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(leaves(v) for v in value) or 1
    return 1


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


class Comparer:
    """Walks a recorded story and its replay side by side; ids and times are compared by role."""

    def __init__(self, recorded: dict, replayed: dict) -> None:
        self.recorded, self.replayed = recorded, replayed
        self.times = (Timeline(recorded), Timeline(replayed))
        self.names = (Names(), Names())
        self.ids = Bijection()
        # Seeded objects: the recording's own names for them (a plan `gold`) play the role of ids.
        self.aliases = {recorded_id: replay_id for recorded_id, replay_id in replayed.get("aliases", {}).items()}
        for recorded_id, replay_id in self.aliases.items():
            self.ids.same(recorded_id, replay_id)

    # ---- leaves ------------------------------------------------------------------------------
    def show(self, side: int, value: Any, key: str | None, created: Any = None) -> str:
        """A value as the report prints it: ids and times by role, long text cut."""
        if isinstance(value, str) and (is_id(value) or key == "idempotency_key" or value in self.aliases):
            return self.names[side](value)
        if is_time(value):
            return self.times[side].role(value, created)
        if isinstance(value, (dict, list)):
            return f"{_kind(value)} of {leaves(value)} field(s)"
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."

    def same_leaf(self, key: str | None, a: Any, b: Any, created: tuple = (None, None)) -> tuple[bool, str]:
        """Whether two scalars agree, and the kind of difference if not."""
        if _kind(a) != _kind(b):
            return False, "type"
        if key in VOLATILE:
            return True, ""
        if isinstance(a, str) and a in self.aliases:
            self.names[0](a), self.names[1](b)
            return a == b or self.ids.same(a, b), "id"
        if isinstance(a, str) and (is_id(a) or key == "idempotency_key"):
            # Named so both runs' ids get the same readable names in the report.
            self.names[0](a), self.names[1](b)
            return self.ids.same(a, b), "id"
        if is_time(a) and is_time(b):
            return self.times[0].role(a, created[0]) == self.times[1].role(b, created[1]), "time"
        return a == b, "value"

    # ---- structure ---------------------------------------------------------------------------
    def walk(self, a: Any, b: Any, path: str, key: str | None, tally: Tally, out: list, step: str,
             where: str, created: tuple = (None, None)) -> None:
        """Compare two JSON values, counting every scalar field and noting each difference."""
        if isinstance(a, dict) and isinstance(b, dict):
            created = (a.get("created", created[0]), b.get("created", created[1]))
            for name in [*a, *(k for k in b if k not in a)]:
                sub = f"{path}.{name}" if path else name
                if name not in b:
                    self._lopsided(a[name], sub, "missing in replay", tally, out, step, where, name, side=0)
                elif name not in a:
                    self._lopsided(b[name], sub, "extra in replay", tally, out, step, where, name, side=1)
                else:
                    self.walk(a[name], b[name], sub, name, tally, out, step, where, created)
        elif isinstance(a, list) and isinstance(b, list):
            for index in range(max(len(a), len(b))):
                sub = f"{path}[{index}]"
                if index >= len(b):
                    self._lopsided(a[index], sub, "missing in replay", tally, out, step, where, key, side=0)
                elif index >= len(a):
                    self._lopsided(b[index], sub, "extra in replay", tally, out, step, where, key, side=1)
                else:
                    self.walk(a[index], b[index], sub, key, tally, out, step, where, created)
        elif isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
            tally.add(max(leaves(a), leaves(b)), 0)
            out.append(Difference(step, where, path, "type", self.show(0, a, key), self.show(1, b, key)))
        else:
            ok, kind = self.same_leaf(key, a, b, created)
            tally.add(1, int(ok))
            if not ok:
                out.append(Difference(step, where, path, kind, self.show(0, a, key, created[0]),
                                      self.show(1, b, key, created[1])))

    def _lopsided(self, value: Any, path: str, kind: str, tally: Tally, out: list, step: str, where: str,
                  key: str | None, side: int) -> None:
        tally.add(leaves(value), 0)
        shown = self.show(side, value, key)
        out.append(Difference(step, where, path, kind, shown if side == 0 else ABSENT,
                              shown if side == 1 else ABSENT))

    # ---- steps -------------------------------------------------------------------------------
    def step(self, a: dict, b: dict, by_type: dict[str, Tally]) -> StepResult:
        """Responses request by request, then events paired by type and occurrence, then their order."""
        name = a["name"]
        result = StepResult(name, [e["type"] for e in a["events"]], [e["type"] for e in b["events"]])
        for index, (ra, rb) in enumerate(zip(a["requests"], b["requests"])):
            where = f"{ra['method']} " + "/".join(self.names[0](part) if is_id(part) else part
                                                  for part in ra["path"].split("/"))
            result.responses.add(1, int(ra["status"] == rb["status"]))
            if ra["status"] != rb["status"]:
                result.differences.append(Difference(name, where, "(status)", "value", str(ra["status"]),
                                                     str(rb["status"])))
            self.walk(ra["response"], rb["response"], "", None, result.responses, result.differences, name, where)
        pairs, extra = _pair(a["events"], b["events"])
        for event, twin, label in pairs:
            tally = by_type.setdefault(event["type"], Tally())
            before = tally.compared, tally.matched
            if twin is None:
                tally.add(leaves(event), 0)
                result.differences.append(Difference(name, label, "(event)", "missing event", event["type"], ABSENT))
            else:
                self.walk(event, twin, "", None, tally, result.differences, name, label)
            result.events.add(tally.compared - before[0], tally.matched - before[1])
        for twin, label in extra:
            tally = by_type.setdefault(twin["type"], Tally())
            tally.add(leaves(twin), 0)
            result.events.add(leaves(twin), 0)
            result.differences.append(Difference(name, label, "(event)", "extra event", ABSENT, twin["type"]))
        if sum(twin is not None for _, twin, _ in pairs) > 1:
            order = by_type.setdefault("(event order)", Tally())
            wrong = _out_of_order(pairs, b["events"])
            order.add(1, int(wrong is None))
            result.events.add(1, int(wrong is None))
            if wrong is not None:
                result.differences.append(Difference(name, "events", "(order)", "order",
                                                     " > ".join(result.recorded_events),
                                                     " > ".join(result.replayed_events)))
        return result

    def story(self) -> StoryResult:
        """Every step of the story (a step the replay lacks counts all its recorded events as missing)."""
        result = StoryResult(self.recorded["name"], error=self.replayed.get("error"),
                             seeded=list(self.replayed.get("seeded", [])))
        empty = {"requests": [], "events": []}
        for index, step in enumerate(self.recorded["steps"]):
            twin = self.replayed["steps"][index] if index < len(self.replayed["steps"]) else {**empty,
                                                                                              "name": step["name"]}
            result.steps.append(self.step(step, twin, result.by_type))
        result.coverage = coverage(self.recorded, self.replayed)
        return result


def _pair(recorded: list[dict], replayed: list[dict]):
    """(recorded event, its replay twin or None, label) by type and occurrence; the replay's unpaired events."""
    seen: Counter = Counter()
    twins: dict[tuple[str, int], dict] = {}
    for event in replayed:
        twins[(event["type"], seen[event["type"]])] = event
        seen[event["type"]] += 1
    totals = Counter(e["type"] for e in recorded)
    count: Counter = Counter()
    pairs = []
    for event in recorded:
        key = (event["type"], count[event["type"]])
        count[event["type"]] += 1
        label = event["type"] + (f" #{key[1] + 1}" if max(totals[key[0]], seen[key[0]]) > 1 else "")
        pairs.append((event, twins.pop(key, None), label))
    extra = [(event, f"{event['type']} #{n + 1}" if seen[event["type"]] > 1 else event["type"])
             for (_, n), event in twins.items()]
    return pairs, extra


def _out_of_order(pairs, replayed: list[dict]) -> str | None:
    """The first paired event the replay sends earlier than one recorded before it, or None."""
    position = {id(event): index for index, event in enumerate(replayed)}
    last = -1
    for event, twin, label in pairs:
        if twin is None:
            continue
        if position[id(twin)] < last:
            return label
        last = position[id(twin)]
    return None


def coverage(recorded: dict, replayed: dict) -> dict:
    """What share of the recording the replay reached: steps, requests, and recorded ids it could map."""
    twins = replayed["steps"][:len(recorded["steps"])]
    requests = sum(len(step["requests"]) for step in recorded["steps"])
    sent = sum(min(len(a["requests"]), len(b["requests"])) for a, b in zip(recorded["steps"], twins))
    ids = replayed.get("ids", {"referenced": 0, "resolved": 0, "unresolved": []})
    return {"steps": {"recorded": len(recorded["steps"]), "replayed": len(twins)},
            "requests": {"recorded": requests, "replayed": sent},
            "ids": {"referenced": ids["referenced"], "resolved": ids["resolved"],
                    "unresolved": list(ids["unresolved"])}}


def compare_story(recorded: dict, replayed: dict) -> StoryResult:
    """Compare one recorded story with its replay."""
    return Comparer(recorded, replayed).story()
