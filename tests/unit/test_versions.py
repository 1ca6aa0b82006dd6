"""The version table: every release and month, how a requested version is served, and the versioned fields and
parameters."""

import pytest

from simulator import versions
from simulator.versions import (DAHLIA, ENDIVE, KNOWN_VERSIONS, NEWEST, RELEASES, has_field, release_of,
                                removed_parameter, serve)

NAMED = [v for v in KNOWN_VERSIONS if v >= "2024-06-20"]


def test_the_table_is_ordered_and_each_month_carries_its_release_name():
    assert [r.name for r in RELEASES] == ["", "acacia", "basil", "clover", "dahlia", "endive"]
    assert list(KNOWN_VERSIONS) == sorted(KNOWN_VERSIONS) and len(set(KNOWN_VERSIONS)) == len(KNOWN_VERSIONS)
    for release in RELEASES:
        assert all(v.partition(".")[2] == release.name for v in release.versions), release.name
    assert NEWEST == "2026-11-18.endive" and release_of(NEWEST).name == "endive"


@pytest.mark.parametrize("version", NAMED)
def test_every_dated_version_from_2024_06_20_is_served_as_itself(version):
    assert serve(version) == versions.Served(version, version) and not serve(version).substituted


@pytest.mark.parametrize("requested", ["2026-12-16.endive", "2027-03-31.fig", "2030-01-01", "2026-11-19.endive"])
def test_a_version_newer_than_the_table_is_served_as_the_newest(requested):
    served = serve(requested)
    assert served.version == NEWEST and served.substituted and served.requested == requested


@pytest.mark.parametrize("requested, version", [
    ("2025-10-01.clover", "2025-09-30.clover"),  # a month this table lacks: the release's latest known before it
    ("2026-02-28.clover", "2026-02-25.clover"),
    ("2026-11-01.endive", "2026-10-28.endive"),
    ("2019-05-16", "2019-05-16"),  # a date-only version before acacia is its own
])
def test_a_dated_version_of_a_known_release_is_served_in_that_release(requested, version):
    assert serve(requested).version == version


@pytest.mark.parametrize("requested", [
    "", "latest", "2026-13-01.endive", "2026-02-30.dahlia", "2026-10-28.Endive", "2026-10-28.endive ", "20261028",
    "2025-05-01",  # no date-only versions since acacia
    "2025-05-28.clover",  # clover had not begun
    "2026-04-22.clover",  # clover had ended: that date is dahlia's
    "2026-05-27.zebra",  # no such release
    "2010-12-31",
])
def test_malformed_or_unpublished_versions_are_refused(requested):
    assert serve(requested) is None


@pytest.mark.parametrize("kind, field, absent_at, present_at", [
    ("customer", "customer_account", "2025-11-17.clover", DAHLIA),
    ("invoice", "customer_account", "2024-06-20", "2026-08-26.dahlia"),
    ("checkout.session", "customer_account", "2026-02-25.clover", DAHLIA),
    ("payment_intent", "customer_account", "2025-03-31.basil", NEWEST),
    ("subscription", "customer_account", "2024-09-30.acacia", ENDIVE),
    ("invoice", "amount_paid_off_stripe", "2026-04-22.dahlia", "2026-05-27.dahlia"),
    ("subscription", "billing_schedules", "2025-10-29.clover", NEWEST),
])
def test_versioned_fields(kind, field, absent_at, present_at):
    assert not has_field(kind, field, absent_at) and has_field(kind, field, present_at)
    assert field in versions.absent_fields(kind, absent_at)


def test_fields_outside_the_table_exist_at_every_version():
    assert has_field("customer", "email", "2020-08-27") and has_field("customer", "email", NEWEST)


def test_endive_removes_payment_method_types_with_stripes_code():
    removal = removed_parameter("PostPaymentIntents", {"payment_method_types": ["card"]}, ENDIVE)
    assert removal.code == "payment_method_types_no_longer_supported" and "payment_method_types" in removal.message
    assert removed_parameter("PostSetupIntents", {"payment_method_types": ["card"]}, NEWEST).code == removal.code
    assert removed_parameter("PostPaymentIntents", {"payment_method_types": ["card"]}, "2026-08-26.dahlia") is None
    assert removed_parameter("PostPaymentIntents", {"amount": 100}, ENDIVE) is None


@pytest.mark.parametrize("version, present", [("2024-06-20", True), ("2025-02-24.acacia", True),
                                              ("2025-03-31.basil", False), ("2025-11-17.clover", False),
                                              (DAHLIA, True), (NEWEST, True)])
def test_a_field_removed_and_added_again_is_absent_only_in_between(version, present):
    assert has_field("line_item", "subscription", version) is present
