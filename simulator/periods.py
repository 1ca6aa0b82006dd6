"""Stripe's month arithmetic for billing periods (anchor on the 31st → Feb 28/29, back to the 31st)."""

import calendar
from datetime import datetime, timezone


def shift_months(ts: int, months: int) -> int:
    """Move a Unix time by whole months, clamping the day to the target month's length."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    index = dt.year * 12 + (dt.month - 1) + months
    year, month = divmod(index, 12)
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return int(dt.replace(year=year, month=month + 1, day=day).timestamp())


def period(anchor: int, cycle: int, months: int) -> tuple[int, int]:
    """Return (start, end) of billing cycle `cycle` (0-based) for a period of `months` months."""
    # Periods are computed from the anchor, never chained, so Jan 31 → Feb 28 → Mar 31.
    return shift_months(anchor, cycle * months), shift_months(anchor, (cycle + 1) * months)


def iso(ts: int | None) -> str | None:
    """Render a Unix time as ISO 8601 UTC."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> int:
    """Parse ISO 8601 (naive means UTC) into a Unix time."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())
