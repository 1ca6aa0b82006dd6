"""Roles: ids by a bijection bound at first sighting, times relative to the test clock or the wall clock."""

import pytest

from simulator.fidelity.compare import compare_story
from simulator.fidelity.ids import is_id, prefix
from simulator.fidelity.roles import Bijection, Names, Timeline

pytestmark = pytest.mark.timeout(30)

T0 = 1769860800  # 2026-01-31T12:00:00Z
WALL = 1764400000


def story(*frozen: int, events=()) -> dict:
    clocks = [{"object": "test_helpers.test_clock", "frozen_time": t} for t in frozen]
    return {"name": "s", "anchor": frozen[0], "steps": [
        {"name": "one", "wall": [WALL, WALL + 2], "requests": [{"method": "GET", "path": "/v1/x", "status": 200,
                                                                 "response": c} for c in clocks],
         "events": list(events)}]}


def test_times_are_named_by_the_clock_time_they_follow_with_stripe_month_arithmetic():
    line = Timeline(story(T0, 1775044800))                   # t1 = Apr 1, 12:00
    assert line.role(T0) == "t0"
    assert line.role(1772280000) == "t0+1mo"                  # Jan 31 + 1 month = Feb 28
    assert line.role(1772280000 + 7200) == "t0+1mo+2h"
    assert line.role(1774958400) == "t0+2mo"                  # ... and + 2 months = Mar 31, not Mar 28
    assert line.role(1775044800 + 3 * 86400) == "t1+3d"
    assert line.role(T0 - 60) == "t0-1m"
    assert line.role(WALL + 1) == "wall clock"
    assert line.role(WALL + 1 + 86400, created=WALL + 1) == "created+1d"


def test_a_clock_time_stays_t0_when_its_object_was_created_whole_hours_before():
    # A replay creating the test clock at hh:00:00 wall time: frozen_time - created is then whole hours.
    line = Timeline(story(T0))
    created = T0 - (26 * 86400 + 7 * 3600)
    line.wall = (created - 5, created + 5)
    assert line.role(T0, created=created) == "t0"


def test_bijection_binds_once_and_refuses_a_second_pairing():
    ids = Bijection()
    assert ids.same("sub_A1234567890", "sub_B1234567890")
    assert ids.same("sub_A1234567890", "sub_B1234567890")
    assert not ids.same("sub_A1234567890", "sub_C1234567890")
    assert not ids.same("sub_Z1234567890", "sub_B1234567890")
    names = Names()
    assert [names("sub_A1234567890"), names("cus_Q1234567890"), names("sub_Z1234567890")] == [
        "sub#1", "cus#1", "sub#2"]


def test_ids_are_recognised_but_enum_values_are_not():
    assert is_id("cs_test_a1B2c3D4e5F6") and prefix("cs_test_a1B2c3D4e5F6") == "cs_test"
    assert is_id("in_1gT2Js1BqjgRAlg4") and prefix("in_1gT2Js1BqjgRAlg4") == "in"
    for value in ("charge_automatically", "subscription_cycle", "pm_card_visa", "2026-10-28.endive", "evt_1"):
        assert not is_id(value)


def test_a_swapped_id_is_a_difference_even_when_both_ids_are_known():
    event = {"id": "evt_A1234567890", "type": "invoice.paid", "created": T0,
             "data": {"object": {"id": "in_A1234567890", "customer": "cus_A1234567890"}}}
    twin = {**event, "id": "evt_B1234567890", "data": {"object": {"id": "in_B1234567890",
                                                                  "customer": "cus_B1234567890"}}}
    same = compare_story(story(T0, events=[event, event]), story(T0, events=[twin, twin]))
    assert same.events.score == 100.0
    wrong = {**twin, "data": {"object": {"id": "in_B1234567890", "customer": "in_B1234567890"}}}
    result = compare_story(story(T0, events=[event, event]), story(T0, events=[twin, wrong]))
    diffs = [(d.where, d.path, d.kind, d.recorded, d.replayed) for step in result.steps for d in step.differences]
    assert diffs == [("invoice.paid #2", "data.object.customer", "id", "cus#1", "in#1")]
