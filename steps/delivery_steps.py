"""Steps about Stripe's delivery: duplicates, order, other event types, broken products."""

import secrets
from collections import Counter

import pytest
from pytest_bdd import given, parsers, then, when

from simulator.delivery.answers import answer
from simulator.delivery.policy import DeliveryPolicy

from .guide_catalogue import PLAN_NAMES, GuidePlan
from .timeline import NOT_APPLICABLE, Timeline

HANDLED = {"checkout.session.completed", "invoice.paid", "customer.subscription.updated",
           "customer.subscription.deleted"}
OBSERVED = ("accountType", "active", "paidUntil", "autoRenew")


@when(parsers.parse('the customer subscribes to "{plan}" and every event is delivered {times:d} times'))
def _(timeline, guide_plans, plan, times):
    timeline.start(guide_plans[PLAN_NAMES[plan]])
    timeline.run("first-purchase")
    timeline.clock.set(timeline.world.now)
    timeline.deliver(policy=DeliveryPolicy(retry="none", time_scale=0, duplicates=times - 1), applies=True)


@when(parsers.parse('the customer pays once for "{plan}" and every event is delivered {times:d} times'))
def _(timeline, guide_plans, plan, times):
    timeline.start(guide_plans[PLAN_NAMES[plan]])
    timeline.run("one-time-purchase")
    timeline.clock.set(timeline.world.now)
    timeline.deliver(policy=DeliveryPolicy(retry="none", time_scale=0, duplicates=times - 1), applies=True)


@pytest.fixture
def fault_switch(target):
    """Armed by a step; disarmed at the end of the scenario, whatever happened."""
    armed: list[int] = []
    yield armed
    if armed:
        target.probe.arm_faults(0)


@given("the platform fails the next delivery of one of the four events midway")
def _(target, fault_switch):
    if not target.probe.arm_faults(1):
        pytest.skip(NOT_APPLICABLE + "the platform offers no fault switch (POST …/conformance/faults, optional "
                    "in the contract)")
    fault_switch.append(1)


@when(parsers.parse('the customer pays once for "{plan}" and Stripe retries what failed'))
def _(timeline, guide_plans, plan):
    timeline.start(guide_plans[PLAN_NAMES[plan]])
    timeline.run("one-time-purchase")
    timeline.clock.set(timeline.world.now)
    timeline.deliver(policy=DeliveryPolicy(retry="test", time_scale=0), applies=True)


@then(parsers.parse("the Checkout Session's event was answered {first:d} first, then {then_:d} {outcome}"))
def _(timeline, first, then_, outcome):
    attempts = [a for report in timeline.reports for a in report.attempts if a.type == "checkout.session.completed"]
    got = [(a.status, answer(a)[0]) for a in attempts]
    assert got == [(first, None), (then_, outcome)], \
        f"{attempts[0].event_id if attempts else 'checkout.session.completed'}: answered {got}"


@then("the platform recorded each event once, the rest as duplicates")
def _(target, timeline):
    mine = {e["id"] for e in timeline.delivered}
    listed = target.probe.events(mine)
    firsts = Counter(e["id"] for e in listed if e["outcome"] != "duplicate")
    duplicates = Counter(e["id"] for e in listed if e["outcome"] == "duplicate")
    assert set(firsts) == mine and set(firsts.values()) == {1}, firsts
    assert set(duplicates) == mine and set(duplicates.values()) == {2}, duplicates


def _policy(order: str) -> DeliveryPolicy:
    if order == "in reverse":
        return DeliveryPolicy(order="reversed", retry="none", time_scale=0)
    seed = order.rsplit(" ", 1)[-1]
    return DeliveryPolicy(order="shuffled", seed=seed, retry="none", time_scale=0)


@when(parsers.parse('the story "{story}" is delivered {order}'), target_fixture="reference_account")
def _(target, timeline, guide_plans, clock, story, order):
    names = [n.strip() for n in story.split(",")]
    plans = guide_plans[PLAN_NAMES["1-month Professional"]], guide_plans[PLAN_NAMES["1-month Business"]]
    reference = target.probe.create_account(f"conformance-{secrets.token_hex(4)}@example.com")
    in_order = Timeline(target, reference, clock)
    for line, policy in ((in_order, None), (timeline, _policy(order))):
        line.start(*plans)
        line.run(*names)
        line.deliver(policy=policy, applies=True)  # pending events count once a later one links them
    clock.set(max(timeline.world.now, in_order.world.now))
    return reference


@then("the account ends as the story delivered in order would leave it")
def _(target, account, reference_account, clock):
    got, want = (target.probe.account(ref, clock.now) for ref in (account, reference_account))
    # Two accounts the story left empty would compare equal: the in-order one must show what was bought.
    assert want["accountType"] is not None and want["paidUntil"] is not None, f"in order, nothing applied: {want}"
    assert {k: got[k] for k in OBSERVED} == {k: want[k] for k in OBSERVED}, (got, want)


@when("Stripe sends events the platform does not handle")
def _(timeline, any_plan):
    timeline.start(any_plan)
    others = [e for e in timeline.run("first-purchase") if e["type"] not in HANDLED]
    timeline.pending.clear()
    timeline.deliver(others)


OUTCOME = r'"(?P<outcome>\w+)"(?: with the code "(?P<code>\w+)")?'


@then(parsers.re(f"the platform recorded those events as {OUTCOME}"))
def _(target, timeline, outcome, code):
    mine = {e["id"] for e in timeline.delivered}
    outcomes = {e["id"]: (e["outcome"], e.get("reasonCode")) for e in target.probe.events(mine)}
    assert outcomes.keys() == mine, f"not listed: {sorted(mine - outcomes.keys())}"
    assert {o for o, _ in outcomes.values()} == {outcome}, outcomes
    assert code is None or {c for _, c in outcomes.values()} == {code}, outcomes


@when("the customer subscribes to that product")
def _(target, timeline, product):
    price = target.stripe_client.v1.prices.list({"product": product, "limit": 1}).data[0]
    timeline.start(GuidePlan("broken", "broken", "professional", 1, product, price.id, price.id,
                             price.unit_amount or 2900, price.currency))
    timeline.happen("first-purchase", applies=False)  # its invoice is rejected: nothing may apply


@then(parsers.re(f"the platform recorded the (?P<what>invoice|Checkout Session) as {OUTCOME}"))
def _(target, timeline, what, outcome, code):
    kind = "invoice.paid" if what == "invoice" else "checkout.session.completed"
    sent = {e["id"] for e in timeline.delivered if e["type"] == kind}
    outcomes = {e["id"]: (e["outcome"], e.get("reasonCode")) for e in target.probe.events(sent)}
    assert sent, f"no {kind} was delivered"
    for event_id in sorted(sent):
        got = outcomes.get(event_id, ("not listed", None))
        assert got[0] == outcome and (code is None or got[1] == code), \
            f"{event_id} ({kind}): listed as {got[0]} ({got[1]}), expected {outcome} ({code})"
