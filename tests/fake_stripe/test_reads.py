"""Every GET operation of the implemented families answers from stored state, strictly valid against the schema."""

import re

import pytest
import requests

from simulator.fake_stripe import FakeStripe
from simulator.api.app import served_operations
from simulator.api.operations import coverage
from simulator.engine.state import ACCOUNT_ID
from simulator.spec import validator

from .conftest import KEY, START
from tests.support.sim import sim_auth

DAY = 86400
# Retrieves of things the account has none of (not modelled): Stripe's `No such …` 404.
NONE_EXIST = {
    "/v1/accounts/{account}/bank_accounts/{id}", "/v1/accounts/{account}/external_accounts/{id}",
    "/v1/accounts/{account}/people/{person}", "/v1/accounts/{account}/persons/{person}",
    "/v1/charges/{charge}/dispute", "/v1/charges/{charge}/refunds/{refund}",
    "/v1/customers/{customer}/balance_transactions/{transaction}", "/v1/customers/{customer}/bank_accounts/{id}",
    "/v1/customers/{customer}/cards/{id}", "/v1/customers/{customer}/cash_balance_transactions/{transaction}",
    "/v1/customers/{customer}/discount", "/v1/customers/{customer}/sources/{id}",
    "/v1/customers/{customer}/subscriptions/{subscription_exposed_id}/discount",
    "/v1/customers/{customer}/tax_ids/{id}", "/v1/products/{product}/features/{id}",
    "/v1/disputes/{dispute}", "/v1/refunds/{refund}", "/v1/setup_intents/{intent}", "/v1/coupons/{coupon}", "/v1/balance/history/{id}",
    "/v1/billing_portal/configurations/{configuration}", "/v1/credit_notes/{id}",
    "/v1/credit_notes/{credit_note}/lines", "/v1/payment_links/{payment_link}",
    "/v1/payment_links/{payment_link}/line_items", "/v1/quotes/{quote}", "/v1/quotes/{quote}/pdf",
    "/v1/quotes/{quote}/line_items", "/v1/quotes/{quote}/computed_upfront_line_items",
    "/v1/subscription_schedules/{schedule}",
}


@pytest.fixture(scope="module")
def lifecycle():
    """A fake holding a full lifecycle: checkout, renewal on a test clock, a plan change, a one-time payment."""
    fake = FakeStripe(seed="guide", clock=lambda: START)
    with fake.serving() as base, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"

        def call(method: str, path: str, **data) -> dict:
            response = session.request(method, base + path, data=data or None, timeout=10)
            assert response.status_code == 200, response.json()
            return response.json()

        prices = {p["lookup_key"]: p for p in call("GET", "/v1/prices?limit=100")["data"]}
        rate = call("GET", "/v1/tax_rates")["data"][0]
        clock = call("POST", "/v1/test_helpers/test_clocks", frozen_time=str(START))
        customer = call("POST", "/v1/customers", email="reads@example.com", test_clock=clock["id"],
                        **{"metadata[accountRef]": "acct-reads"})
        line = {"line_items[0][quantity]": "1", "line_items[0][tax_rates][0]": rate["id"]}
        cs = call("POST", "/v1/checkout/sessions", mode="subscription", customer=customer["id"],
                  success_url="https://a.example/ok", **line,
                  **{"line_items[0][price]": prices["professional_1m_recurring"]["id"]})
        done = requests.post(f"{base}/_sim/checkout/sessions/{cs['id']}/complete",
                             headers=sim_auth(), timeout=10).json()
        call("POST", f"/v1/test_helpers/test_clocks/{clock['id']}/advance", frozen_time=str(START + 32 * DAY))
        sub = call("GET", f"/v1/subscriptions/{done['subscription']}")
        call("POST", f"/v1/subscriptions/{sub['id']}", **{
            "items[0][id]": sub["items"]["data"][0]["id"],
            "items[0][price]": prices["business_1m_recurring"]["id"]})
        once = call("POST", "/v1/checkout/sessions", mode="payment", customer=customer["id"],
                    success_url="https://a.example/ok", **line,
                    **{"line_items[0][price]": prices["professional_1m_one_time"]["id"]})
        requests.post(f"{base}/_sim/checkout/sessions/{once['id']}/complete", headers=sim_auth(), timeout=10)
        hook = call("POST", "/v1/webhook_endpoints", url="http://127.0.0.1:9/hook", **{"enabled_events[0]": "*"})
        coupon = call("POST", "/v1/coupons", percent_off="10")
        promo = call("POST", "/v1/promotion_codes", **{"promotion[type]": "coupon", "promotion[coupon]": coupon["id"]})
        ids = {
            "account": ACCOUNT_ID, "customer": customer["id"], "subscription_exposed_id": sub["id"],
            "session": cs["id"], "test_clock": clock["id"], "tax_rate": rate["id"],
            "price": prices["professional_1m_recurring"]["id"], "plan": prices["professional_1m_recurring"]["id"],
            "product": prices["professional_1m_recurring"]["product"], "webhook_endpoint": hook["id"],
            "invoice": call("GET", f"/v1/invoices?customer={customer['id']}")["data"][0]["id"],
            "invoiceitem": call("GET", "/v1/invoiceitems")["data"][0]["id"],
            "intent": call("GET", "/v1/payment_intents")["data"][0]["id"],
            "charge": call("GET", "/v1/charges")["data"][0]["id"],
            "payment_method": call("GET", f"/v1/customers/{customer['id']}/payment_methods")["data"][0]["id"],
            "item": sub["items"]["data"][0]["id"], "capability": "card_payments",
            "event": call("GET", "/v1/events")["data"][0]["id"],
            "invoice_payment": call("GET", "/v1/invoice_payments")["data"][0]["id"], "promotion_code": promo["id"],
        }
        yield call, session, base, ids


def _get_operations():
    return sorted((op for family in coverage(served_operations()) for op in family["served"] + family["not_served"]
                   if op.method == "GET"), key=lambda op: op.template)


QUERIES = {"/v1/subscription_items": "subscription={subscription_exposed_id}",
           "/v1/credit_notes/preview": "invoice={invoice}&amount=100&out_of_band_amount=100",
           "/v1/credit_notes/preview/lines": "invoice={invoice}&amount=100&out_of_band_amount=100",
           "/v1/payment_methods": "customer={customer}"}
SEARCHES = {"customers": "email~'reads'", "products": "active:'true'", "prices": "type:'recurring'",
            "invoices": "status:'paid'", "subscriptions": "status:'active'", "payment_intents": "amount>0",
            "charges": "status:'succeeded'"}


def _path(template: str, ids: dict) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name == "id":
            return {"/v1/products/{id}": ids["product"], "/v1/events/{id}": ids["event"]}.get(template, "zz_none_1")
        return ids.get(name, "zz_none_1")
    path = re.sub(r"\{([^}]+)\}", fill, template)
    family = template.split("/")[2]
    if template.endswith("/search"):
        return f"{path}?query={SEARCHES[family]}"
    return f"{path}?{QUERIES[template].format(**ids)}" if template in QUERIES else path


def test_every_get_operation_of_the_implemented_families_is_served():
    operations = _get_operations()
    assert len(operations) >= 75
    assert {(op.method, op.template) for op in operations} <= served_operations()


@pytest.mark.parametrize("op", _get_operations(), ids=lambda op: op.id)
def test_each_get_answers_from_state_and_validates_strictly(lifecycle, op):
    _, session, base, ids = lifecycle
    response = session.get(base + _path(op.template, ids), timeout=10)
    body = response.json()
    if op.template in NONE_EXIST:
        assert response.status_code == 404, body
        assert body["error"]["code"] == "resource_missing"
        assert validator().validate_object(body, "error") == []
        return
    assert response.status_code == 200, body
    assert validator().validate_response(body, "GET", op.template) == []
    if body.get("object") in ("list", "search_result") and not op.template.startswith("/v1/accounts"):
        # Lists of the lifecycle's own resources are not empty (the unmodelled ones are, as on Stripe).
        unmodelled = ("sources", "cards", "bank_accounts", "tax_ids", "balance_transactions", "refunds",
                      "cash_balance_transactions", "amount_details_line_items", "features", "disputes",
                      "setup_intents", "coupons", "history", "configurations", "credit_notes",
                      "payment_links", "quotes", "subscription_schedules")
        if not op.template.endswith(unmodelled):
            assert body["data"], op.template


def test_reads_of_other_customers_things_are_refused(lifecycle):
    call, session, base, ids = lifecycle
    other = call("POST", "/v1/customers", email="other@example.com")
    for path in (f"/v1/customers/{other['id']}/subscriptions/{ids['subscription_exposed_id']}",
                 f"/v1/customers/{other['id']}/payment_methods/{ids['payment_method']}"):
        response = session.get(base + path, timeout=10)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "resource_missing"), path
    assert session.get(f"{base}/v1/customers/{other['id']}/subscriptions", timeout=10).json()["data"] == []
    refused = session.get(f"{base}/v1/accounts/acct_other/capabilities", timeout=10)
    assert refused.status_code == 403


def test_connected_accounts_list_is_empty_and_sources_list_takes_object(lifecycle):
    call, _, _, ids = lifecycle
    assert call("GET", "/v1/accounts") == {"object": "list", "data": [], "has_more": False, "url": "/v1/accounts"}
    sources = call("GET", f"/v1/customers/{ids['customer']}/sources?object=card")
    assert sources["url"] == f"/v1/customers/{ids['customer']}/sources" and sources["data"] == []


def test_includable_fields_are_returned_when_expanded(lifecycle):
    call, _, _, ids = lifecycle
    customer = call("GET", f"/v1/customers/{ids['customer']}?expand[]=sources&expand[]=subscriptions"
                           "&expand[]=tax_ids")
    assert customer["sources"]["data"] == [] and customer["tax_ids"]["object"] == "list"
    assert [s["id"] for s in customer["subscriptions"]["data"]] == [ids["subscription_exposed_id"]]
    assert "sources" not in call("GET", f"/v1/customers/{ids['customer']}")
    assert validator().validate_object(customer, "customer") == []
    session = call("GET", f"/v1/checkout/sessions/{ids['session']}?expand[]=total_details.breakdown")
    breakdown = session["total_details"]["breakdown"]
    assert breakdown["discounts"] == []
    assert [t["rate"]["id"] for t in breakdown["taxes"]] == [ids["tax_rate"]]
    assert breakdown["taxes"][0]["amount"] == session["total_details"]["amount_tax"] > 0
    assert validator().validate_object(session, "checkout.session") == []
    assert "breakdown" not in call("GET", f"/v1/checkout/sessions/{ids['session']}")["total_details"]


def test_subscription_items_list_the_subscriptions_items(lifecycle):
    call, _, _, ids = lifecycle
    items = call("GET", f"/v1/subscription_items?subscription={ids['subscription_exposed_id']}")["data"]
    assert [i["id"] for i in items] == [ids["item"]]
    assert call("GET", f"/v1/subscription_items/{ids['item']}")["subscription"] == ids["subscription_exposed_id"]
