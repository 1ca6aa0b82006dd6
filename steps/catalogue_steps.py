"""Steps about the catalogue: products made through the Stripe API, judged by the platform's loader."""

import re
import secrets
import time

import pytest
from pytest_bdd import given, parsers, then, when

PERIODS = {"monthly": ("month", 1), "yearly": ("year", 1)}
EVERY = re.compile(r"every (\d+) months")


def parse_metadata(text: str) -> dict:
    """'accountType=school; interval=␠1' → {'accountType': 'school', 'interval': ' 1'} (␠ is a space)."""
    pairs = [item.split("=", 1) for item in text.split("; ") if item]
    return {key: value.replace("␠", " ") for key, value in pairs}


def recurring_of(period: str) -> dict | None:
    """'monthly', 'yearly', 'every 12 months' or 'one-time' as a price's `recurring` hash."""
    if period == "one-time":
        return None
    if period in PERIODS:
        interval, count = PERIODS[period]
        return {"interval": interval, "interval_count": count}
    every = EVERY.fullmatch(period)
    if not every:
        raise ValueError(f"unknown billing period {period!r}")
    return {"interval": "month", "interval_count": int(every.group(1))}


def price_params(product: str, currency: str, amount: int, period: str, pricing: str | None = None) -> dict:
    """Price-create parameters for one price of the feature's kind."""
    params = {"product": product, "currency": currency}
    recurring = recurring_of(period)
    if recurring:
        params["recurring"] = dict(recurring)
    if pricing == "tiered":
        params.update(billing_scheme="tiered", tiers_mode="graduated",
                      tiers=[{"up_to": 5, "unit_amount": amount}, {"up_to": "inf", "unit_amount": amount // 2}])
    elif pricing == "custom-amount":
        params["custom_unit_amount"] = {"enabled": True, "minimum": amount}
    else:
        params["unit_amount"] = amount
    if pricing == "package":
        params["transform_quantity"] = {"divide_by": 5, "round": "up"}
    if pricing == "metered":
        params["recurring"]["usage_type"] = "metered"
    return params


@pytest.fixture
def made_products(target):
    """Products this scenario made; archived afterwards so a real account is left as it was."""
    made: list[str] = []
    yield made
    for product in made:
        target.stripe_client.v1.products.update(product, {"active": False})


def make_product(target, made_products: list, metadata: str, prices: list[tuple], *, archived: bool = False) -> str:
    """A product with the given metadata and prices in the target's Stripe account (`archived`: the prices are)."""
    client = target.stripe_client
    product = client.v1.products.create({"name": f"Conformance {secrets.token_hex(3)}",
                                         "metadata": parse_metadata(metadata)})
    made_products.append(product.id)
    for currency, amount, period, pricing in prices:
        price = client.v1.prices.create(price_params(product.id, currency, amount, period, pricing))
        if archived:
            client.v1.prices.update(price.id, {"active": False})
    return product.id


PRODUCT = (r'a product with metadata "(?P<metadata>[^"]*)" and an? (?:(?P<pricing>tiered|metered|package|custom-amount) )?'
           r'price billed (?P<period>.+)')


@given(parsers.re(PRODUCT), target_fixture="product")
def _(target, made_products, metadata, pricing, period):
    return make_product(target, made_products, metadata, [("usd", 2900, period, pricing)])


@given(parsers.re("a second later, another " + PRODUCT[2:]), target_fixture="product")
def _(target, made_products, metadata, pricing, period):
    first = target.stripe_client.v1.products.retrieve(made_products[-1]).created
    while True:  # a product `created` in a later second than the first, so the contract names one duplicate
        product = make_product(target, made_products, metadata, [("usd", 2900, period, pricing)])
        if target.stripe_client.v1.products.retrieve(product).created > first:
            return product
        target.stripe_client.v1.products.update(product, {"active": False})
        time.sleep(0.2)


@given(parsers.re(r'a product with metadata "(?P<metadata>[^"]*)" and no price'), target_fixture="product")
def _(target, made_products, metadata):
    return make_product(target, made_products, metadata, [])


@given(parsers.re(r'a product with metadata "(?P<metadata>[^"]*)" and only an archived price billed (?P<period>.+)'),
       target_fixture="product")
def _(target, made_products, metadata, period):
    return make_product(target, made_products, metadata, [("usd", 2900, period, None)], archived=True)


@given(parsers.re(r'a product with metadata "(?P<metadata>[^"]*)" and these prices:'), target_fixture="product")
def _(target, made_products, metadata, datatable):
    header, *rows = datatable
    prices = [(row["currency"], int(row["amount"]), row["kind"], None) for row in (dict(zip(header, r)) for r in rows)]
    return make_product(target, made_products, metadata, prices)


@when("the platform loads the products", target_fixture="verdicts")
def _(target) -> dict:
    return {p["id"]: p for p in target.probe.load_catalogue()}


def verdict(verdicts: dict, product: str) -> dict:
    """The loader's verdict on one product."""
    assert product in verdicts, f"the platform's loader did not list {product}: {sorted(verdicts)}"
    return verdicts[product]


@then(parsers.parse('that product is refused with the problem "{code}"'))
def _(verdicts, product, code):
    found = verdict(verdicts, product)
    codes = {*found.get("problemCodes", ()), *(c for p in found["prices"] for c in p.get("problemCodes", ()))}
    assert not found["valid"], f"{product} was offered"
    assert code in codes, f"problem codes {sorted(codes)}; problems {found['problems']}"


@then("that product is offered")
def _(verdicts, product):
    found = verdict(verdicts, product)
    assert found["valid"], found["problems"]


@then(parsers.parse("that product is offered with {count:d} prices"))
def _(verdicts, product, count):
    found = verdict(verdicts, product)
    assert found["valid"] and len(found["prices"]) == count, found


@then("the first product is offered")
def _(verdicts, made_products):
    found = verdict(verdicts, made_products[0])
    assert found["valid"], found["problems"]
