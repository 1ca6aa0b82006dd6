"""Stripe's API versions as data: the named releases and their monthly versions, how a requested version is
served, and from which version each versioned field and parameter exists (docs/fake-stripe.md#api-versions)."""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from .errors import UnknownApiVersion


@dataclass(frozen=True)
class Release:
    """A named release: its first (breaking) version, then the monthly versions that only add."""

    name: str
    versions: tuple[str, ...]

    @property
    def first(self) -> str:
        """The release's breaking version."""
        return self.versions[0]


# Oldest first. The date-only versions before acacia are the long-lived ones still seen on accounts; any other
# real date before acacia is served too (see `serve`). Adding a release or a month: docs/fake-stripe.md.
RELEASES: tuple[Release, ...] = (
    Release("", ("2020-08-27", "2022-08-01", "2022-11-15", "2023-08-16", "2023-10-16", "2024-04-10",
                 "2024-06-20")),
    Release("acacia", ("2024-09-30.acacia", "2024-10-28.acacia", "2024-11-20.acacia", "2024-12-18.acacia",
                       "2025-01-27.acacia", "2025-02-24.acacia")),
    Release("basil", ("2025-03-31.basil", "2025-04-30.basil", "2025-05-28.basil", "2025-06-30.basil",
                      "2025-07-30.basil", "2025-08-27.basil")),
    Release("clover", ("2025-09-30.clover", "2025-10-29.clover", "2025-11-17.clover", "2025-12-15.clover",
                       "2026-01-28.clover", "2026-02-25.clover")),
    Release("dahlia", ("2026-03-25.dahlia", "2026-04-22.dahlia", "2026-05-27.dahlia", "2026-06-24.dahlia",
                       "2026-07-29.dahlia", "2026-08-26.dahlia")),
    Release("endive", ("2026-09-30.endive", "2026-10-28.endive", "2026-11-18.endive")),
)
RELEASE_NAMES = {release.name: release for release in RELEASES if release.name}

CURRENT = "2026-10-28.endive"  # pinned by stripe-python 16.1
NEWEST = RELEASES[-1].versions[-1]
PRE_BASIL = "2025-02-24.acacia"
BASIL = RELEASE_NAMES["basil"].first
CLOVER = RELEASE_NAMES["clover"].first
DAHLIA = RELEASE_NAMES["dahlia"].first
ENDIVE = RELEASE_NAMES["endive"].first
FIRST_NAMED = RELEASE_NAMES["acacia"].first
OLDEST_DATE = "2011-01-01"

KNOWN_VERSIONS: tuple[str, ...] = tuple(version for release in RELEASES for version in release.versions)

PROFILES = {"current": CURRENT, "pre-basil": PRE_BASIL}

VERSION_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")


@dataclass(frozen=True)
class Gate:
    """A versioned field of an object (or parameter of an operation): the version it appears in, the version that
    removed it (None: still there), and what it rests on."""

    where: str
    name: str
    since: str | None = None
    removed: str | None = None
    source: str = ""

    def present(self, version: str) -> bool:
        """Whether the field (or parameter) exists at `version` (removed before `since`: absent in between)."""
        day = _date(version)
        if self.since is not None and self.removed is not None and self.removed < self.since:
            return not _date(self.removed) <= day < _date(self.since)
        return (self.since is None or day >= _date(self.since)) and (self.removed is None
                                                                      or day < _date(self.removed))


@dataclass(frozen=True)
class Removal(Gate):
    """A request parameter a release removed, and the error Stripe answers when it is still sent."""

    code: str = ""
    message: str = ""


# Fields of the objects the fake serves that did not exist at every version. `where` is the object's `object`
# value; renderers drop a field at a version where it is absent.
FIELDS: tuple[Gate, ...] = (
    *(Gate(kind, "customer_account", since=DAHLIA,
           source="Accounts v2 customers; absent in real 2025-11-17.clover responses, present at dahlia")
      for kind in ("customer", "invoice", "payment_intent", "subscription", "checkout.session", "setup_intent")),
    Gate("invoice", "amount_paid_off_stripe", since="2026-05-27.dahlia", source="Stripe changelog, 2026-05-27.dahlia"),
    # Invoice line items: real clover responses (2025-10/11) carry none of these; dahlia's spec has all three.
    Gate("line_item", "subtotal", since=DAHLIA, source="real 2025-10/11 clover responses; dahlia spec"),
    Gate("line_item", "quantity_decimal", since=DAHLIA, source="real 2025-10/11 clover responses; dahlia spec"),
    Gate("line_item", "subscription", removed=BASIL, since=DAHLIA,
         source="moved to parent by basil; absent in real clover responses; back in dahlia's spec"),
    # Present in real dahlia responses; the month that added them is not known here, so dahlia's first is claimed.
    *(Gate(kind, name, since=DAHLIA, source="real dahlia recordings")
      for kind, name in (("checkout.session", "branding_settings"), ("checkout.session", "integration_identifier"),
                         ("payment_intent", "payment_details"))),
    Gate("subscription", "billing_schedules", since="2026-05-27.dahlia", source="Stripe changelog, 2026-05-27.dahlia"),
    # Clover moved the coupon behind a polymorphic hash, no longer expanded by default.
    Gate("promotion_code", "coupon", removed=CLOVER, source="Stripe changelog, clover 2025-09-30: Promotion Codes "
                                                            "now reference Coupons using a polymorphic field"),
    Gate("promotion_code", "promotion", since=CLOVER, source="Stripe changelog, clover 2025-09-30: Promotion Codes "
                                                             "now reference Coupons using a polymorphic field"),
    Gate("discount", "coupon", removed=CLOVER, source="Stripe changelog, clover 2025-09-30: Adds the Discount source "
                                                      "property and removes the Discount coupon property"),
    Gate("discount", "source", since=CLOVER, source="Stripe changelog, clover 2025-09-30: Adds the Discount source "
                                                    "property and removes the Discount coupon property"),
)

# Request parameters removed by a release: still sending one at or after `removed` is refused with `code`.
REMOVALS: tuple[Removal, ...] = (
    *(Removal(operation, "payment_method_types", removed=ENDIVE, code="payment_method_types_no_longer_supported",
              message="The `payment_method_types` parameter is no longer supported as of API version "
                      "2026-09-30.endive. Use `allowed_payment_method_types` or leave it out to use dynamic "
                      "payment methods.",
              source="Stripe changelog, endive 2026-09-30")
      for operation in ("PostPaymentIntents", "PostPaymentIntentsIntent", "PostPaymentIntentsIntentConfirm",
                        "PostSetupIntents", "PostSetupIntentsIntent", "PostCheckoutSessions")),
)


@dataclass(frozen=True)
class Served:
    """How a requested version is served: `version` names the shapes (the newest known when the request is newer
    than this table)."""

    requested: str
    version: str

    @property
    def substituted(self) -> bool:
        """Whether the request asked for a version this table does not list."""
        return self.requested != self.version


def _date(version: str) -> str:
    return version[:10]


def is_well_formed(version: str) -> bool:
    """Whether `version` looks like a Stripe API version string (and its date is a real date)."""
    if not VERSION_FORMAT.match(version):
        return False
    try:
        date.fromisoformat(_date(version))
    except ValueError:
        return False
    return True


def release_of(version: str) -> Release:
    """The release a known (or served) version belongs to."""
    for release in RELEASES:
        if version in release.versions:
            return release
    name = version.partition(".")[2]
    if name in RELEASE_NAMES:
        return RELEASE_NAMES[name]
    raise UnknownApiVersion(version, list(KNOWN_VERSIONS))


@lru_cache(maxsize=256)  # bounded: the header is the caller's to choose
def serve(requested: str) -> Served | None:
    """How a Stripe-Version header is served, or None when Stripe would refuse it (malformed, or no version of
    that date and name): a known version as itself; a real date before acacia as itself; a dated version of a
    known release that this table lacks as the release's latest known version up to that date; anything dated
    after the newest known version as the newest (monthly releases after a named release only add)."""
    if requested in KNOWN_VERSIONS:
        return Served(requested, requested)
    if not is_well_formed(requested):
        return None
    day, _, name = requested.partition(".")
    if day > _date(NEWEST):
        return Served(requested, NEWEST)
    if not name:
        return Served(requested, requested) if OLDEST_DATE <= day < _date(FIRST_NAMED) else None
    release = RELEASE_NAMES.get(name)
    if release is None or day < _date(release.first):
        return None
    following = RELEASES[RELEASES.index(release) + 1:]
    if following and day >= _date(following[0].first):
        return None
    return Served(requested, max(v for v in release.versions if _date(v) <= day))


def resolve(version: str | None) -> str:
    """Return a known version for `version` (None → the pinned one; profile names allowed)."""
    if version is None:
        return CURRENT
    version = PROFILES.get(version, version)
    if version not in KNOWN_VERSIONS:
        raise UnknownApiVersion(version, [*PROFILES, *KNOWN_VERSIONS])
    return version


def has_field(kind: str, name: str, version: str) -> bool:
    """Whether objects of `kind` carry `name` at `version` (fields not in FIELDS exist at every version)."""
    return all(gate.present(version) for gate in FIELDS if gate.where == kind and gate.name == name)


def absent_fields(kind: str, version: str) -> tuple[str, ...]:
    """The versioned fields of `kind` that do not exist at `version`."""
    return tuple(gate.name for gate in FIELDS if gate.where == kind and not gate.present(version))


@cache
def absent_at(version: str) -> dict[str, frozenset[str]]:
    """Object type -> the versioned fields it does not carry at `version` (empty at the newest versions)."""
    out: dict[str, set[str]] = {}
    for gate in FIELDS:
        if not gate.present(version):
            out.setdefault(gate.where, set()).add(gate.name)
    return {kind: frozenset(names) for kind, names in out.items()}


def removed_parameter(operation: str, params: dict, version: str) -> Removal | None:
    """The first parameter of `params` that `operation` no longer accepts at `version`, or None."""
    for removal in REMOVALS:
        if removal.where == operation and removal.name in params and not removal.present(version):
            return removal
    return None


def is_pre_basil(version: str) -> bool:
    """Whether payloads use the pre-basil locations (`invoice.subscription`, `line.price`, …)."""
    return _date(version) < _date(BASIL)


def hosted_ui_mode(version: str) -> str:
    """Checkout's `ui_mode` value for a hosted page (renamed in dahlia)."""
    return "hosted" if _date(version) < _date(DAHLIA) else "hosted_page"
