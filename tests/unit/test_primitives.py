"""Ids, month arithmetic, tax and API-version profiles."""

import pytest

from simulator.errors import UnknownApiVersion
from simulator.ids import ID_PATTERNS, IdFactory
from simulator.periods import iso, parse_iso, period, shift_months
from simulator.tax import line_tax
from simulator.versions import CURRENT, KNOWN_VERSIONS, PRE_BASIL, is_pre_basil, resolve
from tests.support.stories import all_events


def test_ids_have_stripe_prefixes_and_lengths():
    ids = IdFactory("seed")
    for prefix, pattern in ID_PATTERNS.items():
        assert pattern.match(ids.new(prefix)), prefix


def test_ids_are_deterministic_under_a_seed():
    assert [IdFactory(7).new("evt") for _ in range(2)] == [IdFactory(7).new("evt")] * 2
    assert IdFactory(7).new("evt") != IdFactory(8).new("evt")


def test_every_id_in_every_event_matches_its_prefix_pattern():
    for event in all_events(CURRENT):
        assert ID_PATTERNS["evt"].match(event["id"])
        obj = event["data"]["object"]
        prefix = {"checkout.session": "cs_test", "invoice": "in", "subscription": "sub", "customer": "cus",
                  "payment_intent": "pi", "charge": "ch", "payment_method": "pm", "invoiceitem": "ii"}[obj["object"]]
        assert ID_PATTERNS[prefix].match(obj["id"]), obj["id"]


@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31T10:00:00Z", 1, "2026-02-28T10:00:00Z"),
    ("2028-01-31T10:00:00Z", 1, "2028-02-29T10:00:00Z"),
    ("2026-03-31T00:00:00Z", 1, "2026-04-30T00:00:00Z"),
    ("2026-01-15T00:00:00Z", 12, "2027-01-15T00:00:00Z"),
    ("2026-12-31T23:59:59Z", 2, "2027-02-28T23:59:59Z"),
])
def test_shift_months(start, months, expected):
    assert iso(shift_months(parse_iso(start), months)) == expected


def test_periods_come_back_to_the_anchor_day():
    anchor = parse_iso("2026-01-31T10:00:00Z")
    ends = [iso(period(anchor, cycle, 1)[1])[:10] for cycle in range(3)]
    assert ends == ["2026-02-28", "2026-03-31", "2026-04-30"]


@pytest.mark.parametrize("amount, pct, inclusive, tax, total", [
    pytest.param(2900, 7.7, False, 223, 3123, id="guide-exclusive"),
    pytest.param(2900, 7.7, True, 207, 2900, id="guide-inclusive"),
    pytest.param(60000, 10, False, 6000, 66000, id="support-article"),
    pytest.param(10000, 23, True, 1870, 10000, id="stripe-tax-example"),
    pytest.param(2900, None, False, 0, 2900, id="untaxed"),
])
def test_line_tax(amount, pct, inclusive, tax, total):
    result = line_tax(amount, pct, inclusive)
    assert (result.tax, result.total, result.subtotal) == (tax, total, amount)


def test_versions():
    assert resolve(None) == CURRENT == "2026-10-28.endive"
    assert resolve("pre-basil") == PRE_BASIL and is_pre_basil(PRE_BASIL) and not is_pre_basil(CURRENT)
    assert is_pre_basil("2022-11-15") and not is_pre_basil("2025-03-31.basil")
    with pytest.raises(UnknownApiVersion) as info:
        resolve("2031-01-01.zebra")
    assert "2026-10-28.endive" in str(info.value) and len(KNOWN_VERSIONS) > 20


def test_sdk_pins_the_current_profile():
    import stripe
    assert stripe.api_version == CURRENT


def test_retry_after_is_the_one_retry_rule_of_sender_and_fan_out():
    from simulator.delivery.policy import RETRY_PROFILES, DeliveryPolicy

    for name, delays in RETRY_PROFILES.items():
        policy = DeliveryPolicy(retry=name, time_scale=0.5)
        got = [policy.retry_after(n) for n in range(1, len(delays) + 2)]
        assert got == [d * 0.5 for d in delays] + [None]
    assert DeliveryPolicy().retry_after(0) is None
