"""Steps of the lifecycles: subscribe, renew, switch, cancel, pay once."""

from pytest_bdd import given, parsers, then, when

from simulator.stories import Sequence

from .guide_catalogue import PLAN_NAMES, GuidePlan

# The delayed purchase up to its completion only: the debit has not settled when the event arrives, so the
# platform's Stripe shows the session unpaid, as the event does.
UNSETTLED = Sequence("one-time-purchase-unsettled", "Payment mode with SEPA debit, not settled yet",
                     lambda story: story.checkout("payment", story.price(story.plan, recurring=False),
                                                  method="sepa_debit"))


def plan_named(guide_plans: dict, name: str) -> GuidePlan:
    """A guide plan by the name the features use."""
    return guide_plans[PLAN_NAMES[name]]


def use_plan(timeline, plan: GuidePlan) -> None:
    """Start the story with `plan`, or make `plan` what the customer buys next."""
    if timeline.world is None:
        timeline.start(plan)
        return
    timeline.buy_next(plan)


@given(parsers.parse('the customer subscribes to "{plan}"'))
@when(parsers.parse('the customer subscribes to "{plan}"'))
def _(timeline, guide_plans, plan):
    use_plan(timeline, plan_named(guide_plans, plan))
    timeline.happen("first-purchase")


@when(parsers.parse('the customer subscribes to "{plan}" and only the Checkout Session\'s event arrives'))
def _(timeline, guide_plans, plan):
    use_plan(timeline, plan_named(guide_plans, plan))
    events = timeline.run("first-purchase")
    timeline.pending.clear()
    timeline.clock.set(timeline.world.now)
    timeline.deliver([e for e in events if e["type"] == "checkout.session.completed"])


@when("the event of a Checkout Session still open arrives, saying it is paid")
def _(timeline, guide_plans):
    """A completed purchase's event, its session swapped for one the customer never paid (`payment_status`
    forged to `paid`): the platform's Stripe holds that session, open and unpaid."""
    use_plan(timeline, guide_plans["professional_1m"])
    event = next(e for e in timeline.run("one-time-purchase") if e["type"] == "checkout.session.completed")
    timeline.pending.clear()
    world = timeline.world
    opened = world.open_session("payment", world.price(world.plan, recurring=False))
    event["data"]["object"] = {**world.backend.request("GET", f"/v1/checkout/sessions/{opened['id']}"),
                               "payment_status": "paid"}
    timeline.clock.set(world.now)
    timeline.deliver([event])


@then("the account is linked to the customer and the subscription")
def _(target, account, timeline):
    state = target.probe.account(account)
    cast = timeline.world.cast
    assert (state["customerId"], state["subscriptionId"]) == (cast.customer, cast.subscription), state


@when("the subscription renews")
def _(timeline):
    timeline.happen("renewal")


@when("the renewal payment fails")
def _(timeline):
    timeline.happen("failed-renewal")


@when(parsers.parse('the customer switches to "{plan}"'))
def _(timeline, guide_plans, plan):
    timeline.switch_target(plan_named(guide_plans, plan))
    timeline.happen("plan-change")


@when("the customer stops auto-renewal")
def _(timeline):
    timeline.run("cancellation")
    timeline.advance(timeline.clock.now, applies=True)  # the deletion waits for the period end


@when("the customer stops auto-renewal and changes their mind")
def _(timeline):
    timeline.happen("cancel-undo")


@when("the customer cancels the subscription now")
def _(timeline):
    timeline.happen("cancel-now")


def _pay_once(timeline, guide_plans, plan: str, sequence, deliver_all: bool = True) -> None:
    """The customer pays the session on Stripe's hosted page; what is due by now reaches the platform."""
    use_plan(timeline, plan_named(guide_plans, plan))
    timeline.run(sequence)
    # A delayed payment method completes the session unpaid: nothing of it may be applied yet.
    timeline.advance(timeline.world.now if deliver_all else timeline.clock.now, deliver_all=deliver_all,
                     applies=deliver_all)


@given(parsers.parse('the customer pays once for "{plan}"'))
@when(parsers.parse('the customer pays once for "{plan}"'))
def _(timeline, guide_plans, plan):
    _pay_once(timeline, guide_plans, plan, "one-time-purchase")


@when(parsers.parse('the customer pays once for "{plan}" with a delayed payment method'))
def _(timeline, guide_plans, plan):
    _pay_once(timeline, guide_plans, plan, UNSETTLED, deliver_all=False)


@when(parsers.parse('the customer pays once for "{plan}" and Stripe also sends its invoice'))
def _(timeline, guide_plans, plan):
    _pay_once(timeline, guide_plans, plan, "one-time-purchase-invoiced")


@given(parsers.parse("Stripe sends payloads in the {shape} shape"))
def _(timeline, shape):
    from .timeline import VERSIONS
    timeline.version = VERSIONS[shape]
