"""Pure derivation of an account's state from the facts its events proved; no Flask, no I/O.

The state is a function of the *set* of facts, never of their arrival order:
- each subscription covers up to the end of its latest paid period, cut at `ended_at` once deleted;
  its type and auto-renewal come from the latest evidence (snapshot or paid invoice, by event time);
- one-time grants are replayed in purchase-time order: a grant of the type already held, bought
  while it still runs, extends it; any other grant starts a new term at the purchase time;
- the account shows whichever of these runs longest (a subscription wins a tie).
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from .facts import Fact
from .payloads import MAX_TIME


def _time(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TIME


def _text(value) -> bool:
    return isinstance(value, str)


# What each kind of fact must hold; anything else was stored by an older version and is left out.
FACT_FIELDS = {
    "period": {"sub": _text, "start": _time, "end": _time, "type": _text, "at": _time},
    "snapshot": {"sub": _text, "at": _time, "event": _text, "type": _text,
                 "renews": lambda v: isinstance(v, bool), "period_end": lambda v: v is None or _time(v)},
    "ended": {"sub": _text, "ended_at": _time},
    "grant": {"at": _time, "type": _text, "months": lambda v: isinstance(v, int) and not isinstance(v, bool)
              and 0 <= v <= 10**9},
}


def sound(fact: Fact) -> bool:
    """Whether a stored fact can be used: its kind is known and each field has the type and range it must have."""
    fields = FACT_FIELDS.get(fact.kind)
    data = fact.data
    return fields is not None and isinstance(data, dict) and all(
        check(data.get(name)) for name, check in fields.items())


@dataclass(frozen=True)
class AccountState:
    """The account's observable state; `active` is evaluated against a clock."""

    account_type: str | None = None
    paid_until: int | None = None
    auto_renew: bool = False
    subscription: str | None = None

    def active(self, now: float) -> bool:
        """Paid until a moment still in the future; expiry needs no event."""
        return self.paid_until is not None and self.paid_until > now


def shift_months(ts: int, months: int) -> int:
    """Move a Unix time by whole months as Stripe does: the day clamps to the month (Jan 31 + 1 = Feb 28/29).

    A result after 9999 (a long grant bought late, or many of them) stays at the last second a date can show.
    """
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    index = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(index, 12)
    if year > 9999:
        return MAX_TIME
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return int(dt.replace(year=year, month=month + 1, day=day).timestamp())


@dataclass(frozen=True)
class _Term:
    end: int
    account_type: str
    auto_renew: bool
    subscription: str | None
    rank: tuple


def _subscription_terms(facts: list[Fact]) -> list[_Term]:
    by_sub: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        if fact.kind in ("period", "snapshot", "ended"):
            by_sub[fact.data["sub"]][fact.kind].append(fact.data)
    terms = []
    for sub, kinds in sorted(by_sub.items()):
        periods, snapshots, endings = kinds["period"], kinds["snapshot"], kinds["ended"]
        if not periods:
            continue  # nothing paid yet: the subscription grants no access
        end = max(period["end"] for period in periods)
        ended_at = min((e["ended_at"] for e in endings), default=None)
        if ended_at is not None:
            end = min(end, ended_at)
        # Latest evidence of the plan, by event time; a snapshot beats an invoice of the same second.
        evidence = [(d["at"], 0, f"{d['start']:012d}", d["type"]) for d in periods]
        evidence += [(d["at"], 1, d["event"], d["type"]) for d in snapshots]
        account_type = max(evidence)[3]
        latest = max(snapshots, key=lambda d: (d["at"], d["event"]), default=None)
        renews = ended_at is None and (latest["renews"] if latest else True)
        terms.append(_Term(end, account_type, renews, sub, (end, 1, sub)))
    return terms


def _one_time_term(facts: list[Fact]) -> _Term | None:
    grants = sorted((f.data["at"], f.key, f.data) for f in facts if f.kind == "grant")
    term = None  # (type, anchor, months, end): months count from the anchor, as Stripe's periods do
    for at, _key, grant in grants:
        if term and term[0] == grant["type"] and term[3] > at:
            months = term[2] + grant["months"]
            term = (term[0], term[1], months, shift_months(term[1], months))
        else:
            term = (grant["type"], at, grant["months"], shift_months(at, grant["months"]))
    return None if term is None else _Term(term[3], term[0], False, None, (term[3], 0, ""))


def derive(facts: Iterable[Fact]) -> AccountState:
    """The account state the facts prove (unsound stored facts are left out)."""
    facts = [f for f in facts if sound(f)]
    terms = _subscription_terms(facts)
    one_time = _one_time_term(facts)
    if one_time:
        terms.append(one_time)
    if not terms:
        return AccountState()
    best = max(terms, key=lambda t: t.rank)
    subscription = best.subscription or max(
        (t for t in terms if t.subscription), key=lambda t: t.rank, default=_Term(0, "", False, None, ())).subscription
    return AccountState(best.account_type, best.end, best.auto_renew, subscription)


@dataclass(frozen=True)
class SubscriptionView:
    """One subscription of an account as its facts show it (Account Settings lists every one)."""

    id: str
    account_type: str | None
    paid_until: int | None
    renews: bool
    ended_at: int | None


def subscriptions(facts: Iterable[Fact], linked: Iterable[str] = ()) -> list[SubscriptionView]:
    """Every subscription the facts or links name; a linked one with no facts yet counts as renewing.

    A Checkout in subscription mode links the subscription before its first invoice is paid: it
    already exists at Stripe and will renew, so it must block a second subscription.
    """
    by_sub: dict[str, dict[str, list]] = {sub: defaultdict(list) for sub in linked}
    for fact in facts:
        if sound(fact) and fact.kind in ("period", "snapshot", "ended"):
            by_sub.setdefault(fact.data["sub"], defaultdict(list))[fact.kind].append(fact.data)
    views = []
    for sub, kinds in by_sub.items():
        periods, snapshots, endings = kinds["period"], kinds["snapshot"], kinds["ended"]
        ended_at = min((e["ended_at"] for e in endings), default=None)
        paid_until = max((p["end"] for p in periods), default=None)
        if paid_until is not None and ended_at is not None:
            paid_until = min(paid_until, ended_at)
        evidence = [(d["at"], 0, f"{d['start']:012d}", d["type"]) for d in periods]
        evidence += [(d["at"], 1, d["event"], d["type"]) for d in snapshots]
        latest = max(snapshots, key=lambda d: (d["at"], d["event"]), default=None)
        renews = ended_at is None and (latest["renews"] if latest else True)
        views.append(SubscriptionView(sub, max(evidence)[3] if evidence else None, paid_until, renews, ended_at))
    return sorted(views, key=lambda v: (not v.renews, -(v.paid_until or 0), v.id))
