"""Steps about Checkout: the platform opens a session; Stripe's view of it is checked."""

import pytest
from pytest_bdd import given, parsers, then, when

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


@pytest.fixture
def changed_tax_rates(target):
    """Tax rates this scenario made or archived; put back afterwards so a real account is left as it was."""
    changed = {"made": [], "archived": []}
    yield changed
    rates = target.stripe_client.v1.tax_rates
    for rate in changed["made"]:
        rates.update(rate, {"active": False})
    for rate in changed["archived"]:
        rates.update(rate, {"active": True})
    if changed["made"] or changed["archived"]:
        target.probe.load_catalogue()  # the platform applies the account's rates again, not this scenario's


def active_rates(target) -> list:
    return list(target.stripe_client.v1.tax_rates.list({"active": True, "limit": 100}).auto_paging_iter())


def archive_active_rates(target, changed_tax_rates) -> None:
    for rate in active_rates(target):
        target.stripe_client.v1.tax_rates.update(rate.id, {"active": False})
        changed_tax_rates["archived"].append(rate.id)


def make_rate(target, changed_tax_rates, percentage: float, inclusive: bool) -> None:
    rate = target.stripe_client.v1.tax_rates.create({"display_name": "VAT", "percentage": percentage,
                                                     "inclusive": inclusive})
    changed_tax_rates["made"].append(rate.id)


@given(parsers.re(r"the account's only active tax rate is VAT (?P<percentage>[\d.]+) % (?P<kind>inclusive|exclusive)"))
def _(target, changed_tax_rates, percentage, kind):
    archive_active_rates(target, changed_tax_rates)
    make_rate(target, changed_tax_rates, float(percentage), kind == "inclusive")


@given(parsers.re(r"a second active tax rate VAT (?P<percentage>[\d.]+) % (?P<kind>inclusive|exclusive)"))
def _(target, changed_tax_rates, percentage, kind):
    assert active_rates(target), "the guide's account has one active tax rate to begin with"
    make_rate(target, changed_tax_rates, float(percentage), kind == "inclusive")


@given("no tax rate is active")
def _(target, changed_tax_rates):
    archive_active_rates(target, changed_tax_rates)


@then("every line of the Checkout Session carries the active tax rate")
def _(target, checkout_session):
    (rate,) = active_rates(target)
    lines = target.stripe_client.v1.checkout.sessions.line_items.list(checkout_session["id"]).data
    taxes = [[tax.rate.id if hasattr(tax.rate, "id") else tax.rate for tax in (line.taxes or [])] for line in lines]
    assert lines and all(rate.id in found for found in taxes), taxes


@then(parsers.parse('the account is flagged for "{problem}"'))
def _(doctor_report, problem):
    assert any(problem in p for p in doctor_report["problems"]), doctor_report["problems"]
