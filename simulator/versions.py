"""Stripe's API versions as data: the named releases and their monthly versions, how a requested version is
served, and from which version each versioned field and parameter exists (docs/fake-stripe.md#api-versions)."""

import re
from dataclasses import dataclass, field
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
    # (`deleted_discount` is the spec's name for what DELETE …/discount answers, an object "discount" too.)
    *(Gate(kind, name, **when, source="Stripe changelog, clover 2025-09-30: Adds the Discount source property and "
                                      "removes the Discount coupon property")
      for kind in ("discount", "deleted_discount")
      for name, when in (("coupon", {"removed": CLOVER}), ("source", {"since": CLOVER}))),
)

# Where the fake's pre-basil shape differs from the spec's (dahlia) beyond FIELDS: Stripe's basil release
# (2025-03-31) moved these (invoice `parent`, line `pricing`/`taxes`, periods on subscription items). The
# renderers build the old shape in code (simulator/objects); this table says the same for validation at an old
# version, and tests/fake_stripe/test_version_shapes.py checks that the two agree.
_BASIL_SOURCE = "Stripe changelog, basil 2025-03-31 (invoice parent, line pricing, item periods)"
SHAPE_FIELDS: tuple[Gate, ...] = (
    *(Gate(kind, name, removed=BASIL, source=_BASIL_SOURCE) for kind, names in (
        ("invoice", ("application_fee_amount", "charge", "discount", "paid", "paid_out_of_band", "payment_intent",
                     "quote", "subscription", "subscription_details", "subscription_proration_date", "tax",
                     "total_tax_amounts", "transfer_data")),
        ("line_item", ("amount_excluding_tax", "invoice_item", "plan", "price", "proration", "proration_details",
                       "subscription_item", "tax_amounts", "tax_rates", "type", "unit_amount_excluding_tax")),
        ("subscription", ("current_period_end", "current_period_start", "discount", "plan", "quantity")),
        ("subscription_item", ("plan",))) for name in names),
    *(Gate(kind, name, since=BASIL, source=_BASIL_SOURCE) for kind, names in (
        ("invoice", ("amount_overpaid", "parent", "total_pretax_credit_amounts", "total_taxes")),
        ("line_item", ("parent", "pretax_credit_amounts", "pricing", "taxes")),
        ("subscription", ("billing_mode",)),
        ("subscription_item", ("current_period_end", "current_period_start"))) for name in names),
)


@dataclass(frozen=True)
class Value(Gate):
    """An enum value a field takes only at some versions (the spec lists the newer ones)."""

    value: str = ""


VALUES: tuple[Value, ...] = (
    Value("checkout.session", "ui_mode", value="hosted", removed=DAHLIA,
          source="Stripe changelog, dahlia 2026-03-25: ui_mode hosted renamed hosted_page"),
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
class Parameter(Gate):
    """A request parameter that differs from the packaged spec's at some versions: `where` is the operation id,
    `name` its path (`coupon`, `phases[].iterations`, `subscription_details.billing_cycle_anchor`). With a
    `schema`, the parameter has that schema where present (elsewhere the spec's, if any); without one, it is the
    spec's own parameter, unknown where absent."""

    schema: dict = field(default_factory=dict, hash=False, compare=False)


_ANCHOR_NOW_OR_UNCHANGED = {"type": "object", "required": ["type"], "title": "billing_cycle_anchor",
                            "properties": {"type": {"enum": ["now", "unchanged"], "type": "string"}}}

_TEXT = {"maxLength": 5000, "type": "string"}
_TEXT_OR_UNSET = {"anyOf": [_TEXT, {"enum": [""], "type": "string"}]}

# Request parameters as they were (or became) at versions the packaged spec does not describe.
PARAMETERS: tuple[Parameter, ...] = (
    # Endive unified the billing cycle anchor of updates into an object with a `type` (was `now`/`unchanged`).
    *(Parameter(operation, "billing_cycle_anchor", since=ENDIVE, schema=_ANCHOR_NOW_OR_UNCHANGED,
                source="Stripe changelog, endive 2026-09-30: polymorphic billing cycle anchor")
      for operation in ("PostSubscriptionsSubscriptionExposedId", "PostSubscriptionsSubscriptionResume",
                        "PostCustomersCustomerSubscriptionsSubscriptionExposedId")),
    Parameter("PostInvoicesCreatePreview", "subscription_details.billing_cycle_anchor", since=ENDIVE,
              schema={"type": "object", "required": ["type"], "title": "billing_cycle_anchor",
                      "properties": {"timestamp": {"format": "unix-time", "type": "integer"},
                                     "type": {"enum": ["now", "timestamp", "unchanged"], "type": "string"}}},
              source="Stripe changelog, endive 2026-09-30: polymorphic billing cycle anchor"),
    # Basil's stackable discounts: customers and subscriptions took one coupon or promotion code before
    # (`discounts[]` on subscriptions stays); an update's empty value removes the discount.
    *(Parameter(operation, name, removed=BASIL, schema=schema,
                source="Stripe changelog, basil 2025-03-31: Removes coupon and promotion code parameters with "
                       "stackable discounts")
      for operation, schema in (("PostCustomers", _TEXT), ("PostCustomersCustomer", _TEXT_OR_UNSET),
                                ("PostSubscriptions", _TEXT), ("PostSubscriptionsSubscriptionExposedId",
                                                               _TEXT_OR_UNSET))
      for name in ("coupon", "promotion_code")),
    # Clover put a promotion code's coupon behind the polymorphic `promotion` hash.
    Parameter("PostPromotionCodes", "coupon", removed=CLOVER, schema=_TEXT,
              source="Stripe changelog, clover 2025-09-30: Promotion Codes now reference Coupons using a "
                     "polymorphic field"),
    Parameter("PostPromotionCodes", "promotion", since=CLOVER,
              source="Stripe changelog, clover 2025-09-30: Promotion Codes now reference Coupons using a "
                     "polymorphic field"),
    # A phase's length in periods of its price; `duration` (2025-07-30.basil) replaced it.
    Parameter("PostSubscriptionSchedules", "phases[].iterations", removed=RELEASE_NAMES["clover"].first,
              schema={"type": "integer"},
              source="Stripe changelog, clover 2025-09-30: Removes iterations parameter for subscription schedules"),
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


@lru_cache(maxsize=4096)  # keys: operation ids x known versions
def parameters_at(operation: str, version: str) -> tuple[tuple[Parameter, ...], tuple[str, ...]]:
    """The PARAMETERS entries with a schema that `operation` takes at `version`, and the paths of the spec's own
    parameters it does not take there."""
    entries = [p for p in PARAMETERS if p.where == operation]
    present = tuple(p for p in entries if p.schema and p.present(version))
    absent = tuple(p.name for p in entries if not p.schema and not p.present(version))
    return present, absent


@cache
def shape_differences(version: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...],
                                             tuple[tuple[str, str, str], ...]]:
    """How objects at `version` differ from the spec's: (kind, field) absent, (kind, field) extra, and
    (kind, field, value) enum values that only exist there."""
    gates = (*FIELDS, *SHAPE_FIELDS)
    absent = tuple(sorted({(g.where, g.name) for g in gates if not g.present(version)}))
    extra = tuple(sorted({(g.where, g.name) for g in gates if g.present(version) and g.removed is not None
                          and g.since is None}))
    values = tuple(sorted((v.where, v.name, v.value) for v in VALUES if v.present(version)))
    return absent, extra, values
