"""Every implemented endpoint's response validates strictly against the schema derived from Stripe's spec."""

import pytest
import requests

from simulator.fake_stripe import FakeStripe

from .conftest import KEY, START
from tests.support.sim import sim_auth

pytestmark = pytest.mark.openapi


@pytest.fixture(scope="module")
def validator():
    """The strict validator over the schema shipped in simulator/spec."""
    from tests.support.openapi import require_spec
    return require_spec()


@pytest.fixture(scope="module", params=["account default", "spec version"])
def driven(request):
    """Drive every endpoint once over HTTP, in the account's default version and in the spec's own (the version the
    strict schema describes exactly); yields (base URL, [(method, path template, status, body)])."""
    from simulator.spec import spec_version

    fake = FakeStripe(seed="guide", clock=lambda: START)
    if request.param == "spec version":
        fake.state.default_version = spec_version()
    with fake.serving() as base:
        yield base, _drive(base)


def _drive(base: str) -> list[tuple[str, str, int, dict]]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {KEY}"
    seen = []

    def call(method: str, template: str, path: str | None = None, **data) -> dict:
        response = session.request(method, base + (path or template), data=data or None, timeout=10)
        seen.append((method, template, response.status_code, response.json()))
        return response.json()

    call("GET", "/v1/account")
    account = call("GET", "/v1/accounts/{account}", "/v1/accounts/acct_1SimplexMeeting0")
    product = call("POST", "/v1/products", name="Spec", **{"metadata[a]": "b"})
    pid = product["id"]
    call("GET", "/v1/products")
    call("GET", "/v1/products/{id}", f"/v1/products/{pid}")
    call("POST", "/v1/products/{id}", f"/v1/products/{pid}", description="d")
    call("GET", "/v1/products/{product}/features", f"/v1/products/{pid}/features")
    price = call("POST", "/v1/prices", product=pid, currency="usd", unit_amount="2900",
                 **{"recurring[interval]": "month"})
    call("POST", "/v1/prices", product=pid, currency="usd", unit_amount="900")
    call("GET", "/v1/prices")
    call("GET", "/v1/prices/{price}", f"/v1/prices/{price['id']}")
    call("POST", "/v1/prices/{price}", f"/v1/prices/{price['id']}", nickname="n")
    call("GET", "/v1/plans")
    call("GET", "/v1/plans/{plan}", f"/v1/plans/{price['id']}")
    rate = call("POST", "/v1/tax_rates", display_name="VAT", percentage="7.7", inclusive="false")
    call("GET", "/v1/tax_rates")
    call("GET", "/v1/tax_rates/{tax_rate}", f"/v1/tax_rates/{rate['id']}")
    call("POST", "/v1/tax_rates/{tax_rate}", f"/v1/tax_rates/{rate['id']}", active="true")
    clock = call("POST", "/v1/test_helpers/test_clocks", frozen_time=str(START))
    customer = call("POST", "/v1/customers", email="spec@example.com", test_clock=clock["id"])
    cid = customer["id"]
    call("GET", "/v1/customers")
    call("POST", "/v1/customers/{customer}", f"/v1/customers/{cid}", name="Spec")
    hook = call("POST", "/v1/webhook_endpoints", url="http://127.0.0.1:9/hook", **{"enabled_events[0]": "*"})
    call("GET", "/v1/webhook_endpoints")
    call("GET", "/v1/webhook_endpoints/{webhook_endpoint}", f"/v1/webhook_endpoints/{hook['id']}")
    call("POST", "/v1/webhook_endpoints/{webhook_endpoint}", f"/v1/webhook_endpoints/{hook['id']}", disabled="true")
    items = {"line_items[0][price]": price["id"], "line_items[0][quantity]": "1",
             "line_items[0][tax_rates][0]": rate["id"]}
    cs = call("POST", "/v1/checkout/sessions", mode="subscription", customer=cid,
              success_url="https://a.example/ok", **items)
    call("GET", "/v1/checkout/sessions/{session}/line_items", f"/v1/checkout/sessions/{cs['id']}/line_items")
    done = requests.post(f"{base}/_sim/checkout/sessions/{cs['id']}/complete", headers=sim_auth(), timeout=10).json()
    seen.append(("GET", "/v1/checkout/sessions/{session}", 200, done))
    call("GET", "/v1/checkout/sessions")
    other = call("POST", "/v1/checkout/sessions", mode="subscription", success_url="https://a.example/ok", **items)
    call("POST", "/v1/checkout/sessions/{session}/expire", f"/v1/checkout/sessions/{other['id']}/expire")
    sub = done["subscription"]
    call("GET", "/v1/subscriptions")
    call("GET", "/v1/subscriptions/{subscription_exposed_id}", f"/v1/subscriptions/{sub}")
    call("POST", "/v1/subscriptions/{subscription_exposed_id}", f"/v1/subscriptions/{sub}",
         **{"metadata[accountRef]": "a"})
    call("POST", "/v1/test_helpers/test_clocks/{test_clock}/advance",
         f"/v1/test_helpers/test_clocks/{clock['id']}/advance", frozen_time=str(START + 32 * 86400))
    call("GET", "/v1/test_helpers/test_clocks")
    call("GET", "/v1/test_helpers/test_clocks/{test_clock}", f"/v1/test_helpers/test_clocks/{clock['id']}")
    call("GET", "/v1/invoices")
    call("GET", "/v1/invoices/{invoice}", f"/v1/invoices/{done['invoice']}")
    call("GET", "/v1/invoices/{invoice}/lines", f"/v1/invoices/{done['invoice']}/lines")
    item = call("POST", "/v1/subscriptions/{subscription_exposed_id}", f"/v1/subscriptions/{sub}")["items"]["data"][0]
    second = call("POST", "/v1/prices", product=pid, currency="usd", unit_amount="5800",
                  **{"recurring[interval]": "month"})
    call("POST", "/v1/subscriptions/{subscription_exposed_id}", f"/v1/subscriptions/{sub}",
         **{"items[0][id]": item["id"], "items[0][price]": second["id"]})
    call("GET", "/v1/invoiceitems")
    invoice_items = session.get(base + "/v1/invoiceitems", timeout=10).json()["data"]
    call("GET", "/v1/invoiceitems/{invoiceitem}", f"/v1/invoiceitems/{invoice_items[0]['id']}")
    intents = call("GET", "/v1/payment_intents")["data"]
    call("GET", "/v1/payment_intents/{intent}", f"/v1/payment_intents/{intents[0]['id']}")
    charges = call("GET", "/v1/charges")["data"]
    call("GET", "/v1/charges/{charge}", f"/v1/charges/{charges[0]['id']}")
    methods = call("GET", "/v1/payment_methods", f"/v1/payment_methods?customer={cid}")["data"]
    call("GET", "/v1/payment_methods/{payment_method}", f"/v1/payment_methods/{methods[0]['id']}")
    call("GET", "/v1/customers/{customer}/payment_methods", f"/v1/customers/{cid}/payment_methods")
    attached = call("POST", "/v1/payment_methods/{payment_method}/attach", "/v1/payment_methods/pm_card_visa/attach",
                    customer=cid)
    call("POST", "/v1/subscriptions", customer=cid, default_payment_method=attached["id"],
         **{"items[0][price]": price["id"], "items[0][quantity]": "2"})
    call("POST", "/v1/payment_methods/{payment_method}/detach", f"/v1/payment_methods/{attached['id']}/detach")
    # A declining card leaves a subscription incomplete; paying its first invoice with a good one activates it.
    late = call("POST", "/v1/customers", email="late@example.com", payment_method="pm_card_chargeCustomerFail")
    failing = session.get(f"{base}/v1/customers/{late['id']}/payment_methods", timeout=10).json()["data"][0]
    incomplete = call("POST", "/v1/subscriptions", customer=late["id"], default_payment_method=failing["id"],
                      **{"items[0][price]": price["id"]})
    good = call("POST", "/v1/payment_methods/{payment_method}/attach", "/v1/payment_methods/pm_card_visa/attach",
                customer=late["id"])
    call("POST", "/v1/invoices/{invoice}/pay", f"/v1/invoices/{incomplete['latest_invoice']}/pay",
         payment_method=good["id"])
    call("DELETE", "/v1/subscriptions/{subscription_exposed_id}", f"/v1/subscriptions/{sub}")
    events = call("GET", "/v1/events")
    call("GET", "/v1/events/{id}", f"/v1/events/{events['data'][0]['id']}")
    call("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}", f"/v1/webhook_endpoints/{hook['id']}")
    spare = call("POST", "/v1/customers", email="spare@example.com")
    call("GET", "/v1/customers/{customer}", f"/v1/customers/{spare['id']}")
    call("DELETE", "/v1/customers/{customer}", f"/v1/customers/{spare['id']}")
    empty = call("POST", "/v1/products", name="Empty")
    call("DELETE", "/v1/products/{id}", f"/v1/products/{empty['id']}")
    call("DELETE", "/v1/test_helpers/test_clocks/{test_clock}", f"/v1/test_helpers/test_clocks/{clock['id']}")
    assert account["id"]
    return seen


def test_every_response_matches_its_operation_schema(validator, driven):
    _, responses = driven
    failures = {}
    for method, template, status, body in responses:
        assert status == 200, (method, template, body)
        errors = validator.validate_response(body, method, template)
        if errors:
            failures[f"{method} {template}"] = errors[:5]
    assert not failures
    assert len({(m, t) for m, t, _, _ in responses}) >= 55


def test_every_event_payload_object_matches_its_schema(validator, driven):
    base, _ = driven
    all_events = []
    url = base + "/v1/events?limit=100"
    while url:
        page = requests.get(url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()
        all_events += page["data"]
        url = f"{base}/v1/events?limit=100&starting_after={page['data'][-1]['id']}" if page["has_more"] else None
    failures = {}
    for event in all_events:
        obj = event["data"]["object"]
        errors = validator.validate_object(obj, obj["object"]) if obj["object"] != "list" else []
        if errors:
            failures[event["type"]] = errors[:5]
    assert not failures
    assert {e["data"]["object"]["object"] for e in all_events} >= {
        "checkout.session", "invoice", "subscription", "customer", "payment_intent", "charge", "payment_method"}


def test_error_bodies_match_the_error_schema(validator):
    fake = FakeStripe()
    with fake.serving() as base:
        bodies = [requests.get(base + "/v1/prices/price_123", headers={"Authorization": f"Bearer {KEY}"},
                               timeout=5).json(),
                  requests.get(base + "/v1/prices", timeout=5).json(),
                  requests.post(base + "/v1/products", data={"x": "1"}, headers={"Authorization": f"Bearer {KEY}"},
                                timeout=5).json()]
    fake.close()
    for body in bodies:
        assert validator.validate_object(body, "error") == []
