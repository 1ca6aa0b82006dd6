"""The product loader's rules, table-driven on SDK objects the fake Stripe returns."""

import pytest
import stripe

from platform_adapter.config import Settings
from platform_adapter.catalogue.loader import fetch
from simulator.fake_stripe import FakeStripe

KEY = "sk_test_loader_0000"
PRO = {"accountType": "professional", "interval": "1"}
MONTHLY = {"currency": "usd", "unit_amount": 2900, "recurring": {"interval": "month"}}
ONCE = {"currency": "usd", "unit_amount": 2900}


@pytest.fixture(scope="module")
def stripe_api():
    fake = FakeStripe(seed="empty", api_key=KEY)
    with fake.serving() as base:
        yield fake, base


@pytest.fixture
def client(stripe_api):
    fake, base = stripe_api
    fake.reset()
    return stripe.StripeClient(KEY, base_addresses={"api": base}), Settings(
        stripe_secret_key=KEY, webhook_secret="whsec_x", stripe_api_base=base)


def make(client, metadata: dict, *prices: dict, name: str = "Product") -> str:
    product = client.v1.products.create({"name": name, "metadata": metadata})
    for price in prices:
        client.v1.prices.create({"product": product.id, **price})
    return product.id


CASES = [
    pytest.param(PRO, [MONTHLY, ONCE], [], id="guide-product"),
    pytest.param(PRO, [MONTHLY, ONCE, {**ONCE, "currency": "eur", "unit_amount": 2700},
                       {**MONTHLY, "currency": "chf", "unit_amount": 2600}], [], id="several-currencies"),
    pytest.param({"AccountType": "professional", "interval": "1"}, [ONCE],
                 ["metadata key 'AccountType' must be spelled exactly 'accountType' (keys are case-sensitive)"],
                 id="AccountType"),
    pytest.param({"accounttype": "professional", "interval": "1"}, [ONCE],
                 ["metadata key 'accounttype' must be spelled exactly 'accountType' (keys are case-sensitive)"],
                 id="accounttype"),
    pytest.param({"accountType": "professional"}, [ONCE], ["metadata 'interval' is missing"], id="no-interval"),
    pytest.param({"accountType": "Professional", "interval": "1"}, [ONCE],
                 ["accountType 'Professional' is not one of standard, boardroom, classroom, boardroomClassroom, "
                  "business, professional, school (values are case-sensitive: use 'professional')"], id="value-case"),
    pytest.param({"accountType": "enterprise", "interval": "1"}, [ONCE],
                 ["accountType 'enterprise' is not one of standard, boardroom, classroom, boardroomClassroom, "
                  "business, professional, school"], id="unknown-type"),
    *[pytest.param({"accountType": "school", "interval": bad}, [ONCE],
                   [f"interval '{bad}' must be a positive whole number of months (e.g. '1' or '12')"], id=f"interval-{bad}")
      for bad in ("0", "1.5", "-1", "one", "01")],
    pytest.param(PRO, [{**MONTHLY, "billing_scheme": "tiered", "tiers_mode": "graduated", "unit_amount": None,
                        "tiers": [{"up_to": "inf", "unit_amount": 100}]}],
                 ["pricing model is 'tiered'; the guide requires Standard pricing (per unit)"], id="tiered"),
    pytest.param(PRO, [{**MONTHLY, "recurring": {"interval": "month", "usage_type": "metered"}}],
                 ["usage is metered; the guide requires Standard pricing (licensed, not metered)"], id="metered"),
    pytest.param(PRO, [{**ONCE, "transform_quantity": {"divide_by": 10, "round": "up"}}],
                 ["package pricing (transform_quantity); the guide requires Standard pricing"], id="package"),
    pytest.param(PRO, [{"currency": "usd", "custom_unit_amount": {"enabled": True}}],
                 ["customer chooses the price (custom_unit_amount); the guide requires Standard pricing"],
                 id="customer-chooses"),
    pytest.param({"accountType": "business", "interval": "12"}, [{**MONTHLY, "recurring": {"interval": "year"}},
                                                                  {**MONTHLY, "recurring": {"interval": "month",
                                                                                            "interval_count": 12}}],
                 [], id="12-months-as-year-or-month-x12"),
    pytest.param({"accountType": "business", "interval": "12"}, [MONTHLY],
                 ["billing period is monthly but the product's interval is 12 month(s); use month×12 or year×1"],
                 id="period-mismatch"),
    pytest.param(PRO, [{**MONTHLY, "recurring": {"interval": "week", "interval_count": 4}}],
                 ["billing period is every 4 weeks but the product's interval is 1 month(s); use month×1"],
                 id="weeks-are-not-months"),
    pytest.param(PRO, [], ["no active price: customers would have nothing to buy"], id="no-price"),
]


@pytest.mark.parametrize("metadata, prices, problems", CASES)
def test_rule(client, metadata, prices, problems):
    sdk, settings = client
    product = make(sdk, metadata, *[{k: v for k, v in p.items() if v is not None} for p in prices])
    checked = {p.id: p for p in fetch(sdk, settings).catalogue.products}[product]
    found = [problem.split(": ", 1)[1] if problem.startswith("price_") else problem for problem in checked.all_problems()]
    assert found == problems
    assert checked.valid is (not problems)


def test_second_product_for_a_type_and_interval_is_a_duplicate_of_the_first(client):
    sdk, settings = client
    made = [make(sdk, PRO, MONTHLY, name="1-month Professional"), make(sdk, PRO, ONCE, name="Professional again")]
    # The contract: the older by `created` is kept, then the smaller id (both may share a second here).
    first, second = sorted(made, key=lambda pid: (sdk.v1.products.retrieve(pid).created, pid))
    fetched = fetch(sdk, settings)
    verdict = {p.id: p for p in fetched.catalogue.products}
    assert verdict[first].valid and not verdict[second].valid
    assert verdict[second].problems == (f"duplicate of {first}: one product per account type and interval "
                                        "(professional, 1 month(s))",)
    assert [p.id for p in fetched.catalogue.offered] == [first]


def test_archived_products_and_prices_are_not_loaded(client):
    sdk, settings = client
    product = make(sdk, PRO, MONTHLY, ONCE)
    old = sdk.v1.prices.list({"product": product, "type": "one_time"}).data[0]
    sdk.v1.prices.update(old.id, {"active": False})
    gone = make(sdk, {"accountType": "school", "interval": "1"}, ONCE)
    sdk.v1.products.update(gone, {"active": False})
    fetched = fetch(sdk, settings)
    assert [p.id for p in fetched.catalogue.products] == [product]
    assert [v.id for v in fetched.catalogue.products[0].prices] != [] and old.id not in {
        v.id for v in fetched.catalogue.products[0].prices}
    assert {price for price, _, _ in fetched.price_products} == {v.id for v in fetched.catalogue.products[0].prices}
