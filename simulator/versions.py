"""API-version profiles: which payload shape a Stripe API version renders."""

import re

from .errors import UnknownApiVersion

CURRENT = "2026-10-28.endive"  # pinned by stripe-python 16.1
PRE_BASIL = "2025-02-24.acacia"
BASIL = "2025-03-31.basil"
DAHLIA = "2026-03-25.dahlia"

# Published versions, plus the long-lived pre-acacia ones still seen on accounts.
KNOWN_VERSIONS: tuple[str, ...] = (
    "2020-08-27", "2022-08-01", "2022-11-15", "2023-08-16", "2023-10-16", "2024-04-10", "2024-06-20",
    "2024-09-30.acacia", "2024-10-28.acacia", "2024-11-20.acacia", "2024-12-18.acacia",
    "2025-01-27.acacia", "2025-02-24.acacia",
    "2025-03-31.basil", "2025-04-30.basil", "2025-05-28.basil", "2025-06-30.basil",
    "2025-07-30.basil", "2025-08-27.basil",
    "2025-09-30.clover", "2025-10-29.clover", "2025-11-17.clover", "2025-12-15.clover",
    "2026-01-28.clover", "2026-02-25.clover",
    "2026-03-25.dahlia", "2026-04-22.dahlia", "2026-05-27.dahlia", "2026-06-24.dahlia",
    "2026-07-29.dahlia", "2026-08-26.dahlia",
    "2026-09-30.endive", "2026-10-28.endive",
)

PROFILES = {"current": CURRENT, "pre-basil": PRE_BASIL}

VERSION_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")


def resolve(version: str | None) -> str:
    """Return a known version for `version` (None → the pinned one; profile names allowed)."""
    if version is None:
        return CURRENT
    version = PROFILES.get(version, version)
    if version not in KNOWN_VERSIONS:
        raise UnknownApiVersion(version, [*PROFILES, *KNOWN_VERSIONS])
    return version


def is_well_formed(version: str) -> bool:
    """Whether `version` looks like a Stripe API version string."""
    return bool(VERSION_FORMAT.match(version))


def _date(version: str) -> str:
    return version[:10]


def is_pre_basil(version: str) -> bool:
    """Whether payloads use the pre-basil locations (`invoice.subscription`, `line.price`, …)."""
    return _date(version) < _date(BASIL)


def hosted_ui_mode(version: str) -> str:
    """Checkout's `ui_mode` value for a hosted page (renamed in dahlia)."""
    return "hosted" if _date(version) < _date(DAHLIA) else "hosted_page"
