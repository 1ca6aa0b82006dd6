"""Steps about Checkout: the platform opens a session; Stripe's view of it is checked."""

from pytest_bdd import parsers, then, when

from .guide_catalogue import PLAN_NAMES


@when(parsers.re(r'the customer starts buying the "(?P<plan>[^"]+)" (?P<kind>one-time|recurring) price'),
      target_fixture="checkout_session")
def _(target, account, guide_plans, plan, kind):
    chosen = guide_plans[PLAN_NAMES[plan]]
    target.probe.load_catalogue()
    price = chosen.one_time_price if kind == "one-time" else chosen.recurring_price
    opened = target.probe.checkout(account, price)
    return target.stripe_client.v1.checkout.sessions.retrieve(opened["sessionId"]).to_dict()


@then(parsers.re(r"the Checkout Session totals (?P<currency>[A-Z]{3}) (?P<total>[\d.]+) with [A-Z]{3} (?P<tax>[\d.]+) tax"))
def _(checkout_session, currency, total, tax):
    got = (checkout_session["currency"], checkout_session["amount_total"],
           checkout_session["total_details"]["amount_tax"])
    assert got == (currency.lower(), round(float(total) * 100), round(float(tax) * 100)), got


@then(parsers.parse('the Checkout Session is in "{mode}" mode'))
def _(checkout_session, mode):
    assert checkout_session["mode"] == mode
