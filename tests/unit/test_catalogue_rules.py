"""The guide's catalogue rules, table-driven."""

import pytest

from platform_adapter.catalogue.rules import ACCOUNT_TYPES, check_catalogue, check_product, metadata_problems
from simulator.objects.catalogue import price_object, product_object, recurring


def product(pid="prod_A", created=1, **metadata):
    return product_object(id=pid, name=f"{pid} product", created=created,
                          metadata=metadata or {"accountType": "professional", "interval": "1"})


def price(pid="price_A", interval="month", count=1, currency="usd", **kw):
    rec = None if interval is None else recurring(interval, count, kw.pop("usage_type", "licensed"))
    return price_object(id=pid, product="prod_A", currency=currency, unit_amount=kw.pop("unit_amount", 2900),
                        created=1, recurring=rec, **kw)


@pytest.mark.parametrize("metadata, expected", [
    pytest.param({"accountType": "professional", "interval": "1"}, [], id="valid"),
    pytest.param({"AccountType": "professional", "interval": "1"},
                 [("metadata_key_case", "'AccountType' must be spelled exactly 'accountType'")], id="AccountType"),
    pytest.param({"accounttype": "professional", "interval": "1"},
                 [("metadata_key_case", "'accounttype' must be spelled exactly 'accountType'")], id="accounttype"),
    pytest.param({"accountType": "professional", "Interval": "1"},
                 [("metadata_key_case", "'Interval' must be spelled exactly 'interval'")], id="Interval"),
    pytest.param({"interval": "1"}, [("account_type_missing", "'accountType' is missing")], id="no-accountType"),
    pytest.param({"accountType": "school"}, [("interval_missing", "'interval' is missing")], id="no-interval"),
    pytest.param({"accountType": "Professional", "interval": "1"}, [("account_type_case", "use 'professional'")],
                 id="Professional"),
    pytest.param({"accountType": "gold", "interval": "1"}, [("account_type_unknown", "'gold' is not one of")],
                 id="unknown-type"),
    *[pytest.param({"accountType": "school", "interval": bad},
                   [("interval_not_whole", "must be a positive whole number")], id=f"interval-{bad!r}")
      for bad in ("0", "-1", "1.5", "one", " 1", "1 ", "")],
])
def test_metadata_rules(metadata, expected):
    _, _, problems = metadata_problems(metadata)
    assert [p.code for p in problems] == [code for code, _ in expected]
    for problem, (_, fragment) in zip(problems, expected):
        assert fragment in problem.message


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES)
def test_each_account_type_is_accepted(account_type):
    assert metadata_problems({"accountType": account_type, "interval": "12"}) == (account_type, 12, [])


@pytest.mark.parametrize("interval, prices, codes", [
    pytest.param("1", [price(), price("price_B", None)], [], id="monthly+one-time"),
    pytest.param("12", [price(count=12)], [], id="12=month×12"),
    pytest.param("12", [price(interval="year")], [], id="12=year×1"),
    pytest.param("24", [price(interval="year", count=2)], [], id="24=year×2"),
    pytest.param("1", [price(interval="year")], ["billing_period_mismatch"], id="1≠yearly"),
    pytest.param("12", [price(count=1)], ["billing_period_mismatch"], id="12≠monthly"),
    pytest.param("1", [price(interval="week", count=4)], ["billing_period_mismatch"], id="weeks-never-match"),
    pytest.param("1", [price(billing_scheme="tiered", unit_amount=None)], ["pricing_not_standard"], id="tiered"),
    pytest.param("1", [price(usage_type="metered")], ["usage_metered"], id="metered"),
    pytest.param("1", [price(transform_quantity={"divide_by": 10, "round": "up"})], ["package_pricing"], id="package"),
    pytest.param("1", [price(interval=None, custom_unit_amount={"minimum": 100, "maximum": None, "preset": None})], ["custom_amount"], id="pay-what-you-want"),
    pytest.param("1", [price(), price("price_E", currency="eur"), price("price_C", None, currency="chf")], [], id="currencies"),
    pytest.param("1", [], ["no_active_price"], id="no-prices"),
])
def test_price_rules(interval, prices, codes):
    check = check_product(product(accountType="professional", interval=interval), prices)
    assert check.all_codes() == codes, check.all_problems()
    assert check.valid is (not codes) and len(check.all_problems()) == len(codes)


def test_one_product_per_account_type_and_interval():
    products = [product("prod_B", created=2), product("prod_A", created=1), product("prod_A2", created=1),
                product("prod_C", created=3, accountType="professional", interval="12")]
    prices = {"prod_A": [price()], "prod_A2": [price("price_A2")], "prod_B": [price("price_B")],
              "prod_C": [price("price_C", count=12)]}
    report = check_catalogue(products, prices)
    # Same second: the smaller id is kept, whatever order Stripe lists them in.
    assert [p.id for p in report.offered] == ["prod_A", "prod_C"]
    for dup in ("prod_A2", "prod_B"):
        found = next(p for p in report.products if p.id == dup)
        assert "duplicate of prod_A" in found.problems[0] and found.codes == ("duplicate_product",)
    assert [p.id for p in check_catalogue(list(reversed(products)), prices).offered] == ["prod_A", "prod_C"]
    assert not report.ok


def test_archived_products_and_prices_are_ignored():
    archived = product_object(id="prod_X", name="old", created=0, active=False, metadata={})
    report = check_catalogue([archived, product()], {"prod_A": [price(), price("price_old", active=False, count=3)]})
    assert [p.id for p in report.products] == ["prod_A"] and report.ok
    assert [v.id for v in report.products[0].prices] == ["price_A"]


def test_problems_name_what_to_do():
    check = check_product(product(accountType="professional", interval="12"), [price(count=1)])
    assert check.all_problems() == [
        "price_A: billing period is monthly but the product's interval is 12 month(s); use month×12 or year×1"]
