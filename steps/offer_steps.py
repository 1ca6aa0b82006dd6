"""Steps about what customers are offered: every valid product, each price, each of its currencies."""

import re

from pytest_bdd import given, parsers, then, when

from .catalogue_steps import make_product, price_params, verdict

MONEY = r"(?P<{}>[A-Z]{{3}}) (?P<{}>\d+\.\d\d)"


def minor(amount: str) -> int:
    """'27.00' → 2700."""
    return round(float(amount) * 100)


@given("these products, each with a one-time and a recurring price:", target_fixture="products")
def _(target, made_products, datatable):
    header, *rows = datatable
    made = []
    for row in (dict(zip(header, r)) for r in rows):
        prices = [("usd", 2900, "one-time", None), ("usd", 2900, row["period"], None)]
        made.append(make_product(target, made_products, row["metadata"], prices))
    return made


@then("every one of those products is offered")
def _(verdicts, products):
    refused = {p: verdict(verdicts, p)["problems"] for p in products if not verdict(verdicts, p)["valid"]}
    assert not refused, refused


@then("the customer can start buying each of their prices")
def _(target, account, verdicts, products):
    prices = [(price["id"], price["type"]) for p in products for price in verdict(verdicts, p)["prices"]]
    assert len(prices) == 2 * len(products), prices
    for price, kind in prices:
        opened = target.probe.checkout(account, price)
        assert opened["mode"] == ("payment" if kind == "one_time" else "subscription"), (price, opened)


@given(parsers.re(r'a product with metadata "(?P<metadata>[^"]*)" and an? (?P<kind>one-time|every \d+ months) price of '
                  + MONEY.format("currency", "amount") + r", also (?P<others>.+)"), target_fixture="product")
def _(target, made_products, metadata, kind, currency, amount, others):
    product = make_product(target, made_products, metadata, [])
    params = price_params(product, currency.lower(), minor(amount), kind)
    params["currency_options"] = {code.lower(): {"unit_amount": minor(value)}
                                  for code, value in re.findall(r"([A-Z]{3}) (\d+\.\d\d)", others)}
    target.stripe_client.v1.prices.create(params)
    return product


def only_price(target, product: str) -> str:
    (price,) = target.stripe_client.v1.prices.list({"product": product, "active": True}).data
    return price.id


@when(parsers.re(r"the customer starts buying that price in (?P<currency>[A-Z]{3})"), target_fixture="checkout_session")
def _(target, account, product, currency):
    opened = target.probe.checkout(account, only_price(target, product), currency.lower())
    return target.stripe_client.v1.checkout.sessions.retrieve(opened["sessionId"]).to_dict()


@then(parsers.re(r"the Checkout Session is in (?P<currency>[A-Z]{3}), (?P<amount>\d+\.\d\d) before tax"))
def _(checkout_session, currency, amount):
    got = (checkout_session["currency"], checkout_session["amount_subtotal"])
    assert got == (currency.lower(), minor(amount)), got


@then(parsers.re(r"buying that price in (?P<currency>[A-Z]{3}) is refused as not offered"))
def _(target, account, product, currency):
    answer = target.probe.try_checkout(account, only_price(target, product), currency.lower())
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "price_not_offered", answer.text
