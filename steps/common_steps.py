"""Steps every feature shares: the customer account, the date, and what the probe shows."""

import secrets
import time
from datetime import datetime, timezone

import pytest
from pytest_bdd import given, parsers, then, when

from .plugin import NOT_APPLICABLE
from .probe import iso
from .timeline import Clock, Timeline

WHEN = r"(?P<when>\d{4}-\d{2}-\d{2} \d{2}:\d{2})"


def parse_when(text: str) -> int:
    """'2026-03-10 09:00' (UTC) → Unix time."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc).timestamp())


@pytest.fixture
def clock(target):
    """The scenario's now; on the embedded target it freezes the platform's clock with freezegun."""
    freezer = {}

    def move(ts: int) -> None:
        when = datetime.fromtimestamp(ts, tz=timezone.utc)
        if "frozen" not in freezer:
            from freezegun import freeze_time
            freezer["api"] = freeze_time(when, ignore=["_pytest"])  # pytest keeps real durations
            freezer["frozen"] = freezer["api"].start()
        else:
            freezer["frozen"].move_to(when)

    yield Clock(int(time.time()), move if target.controls_clock else None)
    if "api" in freezer:
        freezer["api"].stop()


@pytest.fixture
def account() -> str:
    """Set by the Background step that creates the account."""
    raise pytest.UsageError("the scenario needs 'Given a customer account on the platform' first")


@pytest.fixture
def timeline(target, account, clock) -> Timeline:
    """The customer's story."""
    return Timeline(target, account, clock)


@given("a customer account on the platform", target_fixture="account")
def _(target) -> str:
    return target.probe.create_account(f"conformance-{secrets.token_hex(4)}@example.com")


@given(parsers.re(f"it is {WHEN}"))
@when(parsers.re(f"it is {WHEN}"))
def _(timeline, when):
    timeline.advance(parse_when(when))


@when(parsers.re(f"the platform's clock reaches {WHEN}"))
def _(clock, when):
    ts = parse_when(when)
    if clock.move is None and ts > time.time():
        # A deployed platform's clock is its own: the step holds only once that date has passed for real.
        pytest.skip(NOT_APPLICABLE + f"needs the platform's clock at {when}, which is still to come; "
                    "only the embedded target can move it")
    clock.set(ts)


def read(target, account, at=None) -> dict:
    """The account as the probe shows it."""
    return target.probe.account(account, at)


@then(parsers.re(r'the account is "(?P<kind>\w+)", (?P<active>active|not active), '
                 rf"(?P<renew>auto-renewing|not auto-renewing), paid until {WHEN}"))
def _(target, account, clock, kind, active, renew, when):
    state = read(target, account, clock.now)
    expected = {"accountType": kind, "active": active == "active", "autoRenew": renew == "auto-renewing",
                "paidUntil": iso(parse_when(when))}
    assert {k: state[k] for k in expected} == expected, f"probe at {iso(clock.now)}: {state}"


@then("the account is not active")
def _(target, account, clock):
    state = read(target, account, clock.now)
    assert state["active"] is False, f"probe at {iso(clock.now)}: {state}"


@then(parsers.re(f"the account is paid until {WHEN}"))
def _(target, account, clock, when):
    state = read(target, account, clock.now)
    assert state["paidUntil"] == iso(parse_when(when)), state


@then("the account has no paid time")
def _(target, account, clock):
    state = read(target, account, clock.now)
    assert state["paidUntil"] is None and state["active"] is False, state


@then("by the platform's own clock the account is not active")
def _(target, account):
    state = read(target, account)
    assert state["active"] is False, state


@then(parsers.parse("the platform answers {status:d} to every delivery"))
def _(timeline, status):
    attempts = [a for report in timeline.reports for a in report.attempts]
    assert attempts and all(a.status == status for a in attempts), [(a.type, a.status, a.response) for a in attempts]
