"""Fields the version table gates: absent before the version that added them, present from it, in responses and
in events alike."""

import pytest

from simulator.versions import NEWEST

CLOVER, DAHLIA, LATE_DAHLIA = "2025-11-17.clover", "2026-03-25.dahlia", "2026-05-27.dahlia"


def customer(http, version: str) -> dict:
    answer = http("POST", "/v1/customers", data={"email": "f@example.com"}, headers={"Stripe-Version": version})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("version, present", [("2024-06-20", False), ("2025-03-31.basil", False), (CLOVER, False),
                                              (DAHLIA, True), (NEWEST, True)])
def test_customer_account_on_customers_from_dahlia(http, version, present):
    made = customer(http, version)
    assert ("customer_account" in made) is present
    fetched = http("GET", f"/v1/customers/{made['id']}", headers={"Stripe-Version": version}).json()
    assert ("customer_account" in fetched) is present and fetched["email"] == "f@example.com"


def subscribe(http, guide, version: str) -> tuple[dict, dict]:
    made = customer(http, version)
    method = http("POST", "/v1/payment_methods", data={"type": "card", "card[token]": "tok_visa"}).json()
    http("POST", f"/v1/payment_methods/{method['id']}/attach", data={"customer": made["id"]})
    sub = http("POST", "/v1/subscriptions", headers={"Stripe-Version": version}, data={
        "customer": made["id"], "items[0][price]": guide["professional_1m_recurring"].id,
        "default_payment_method": method["id"], "expand[0]": "latest_invoice"})
    assert sub.status_code == 200, sub.text
    return made, sub.json()


@pytest.mark.parametrize("version", [CLOVER, DAHLIA, LATE_DAHLIA, NEWEST])
def test_subscription_and_invoice_fields_follow_the_table(http, guide, version, fake):
    _, sub = subscribe(http, guide, version)
    invoice = sub["latest_invoice"]
    assert ("customer_account" in sub) is (version >= DAHLIA)
    assert ("customer_account" in invoice) is (version >= DAHLIA)  # an expanded object is gated too
    assert ("billing_schedules" in sub) is (version >= LATE_DAHLIA)
    assert ("amount_paid_off_stripe" in invoice) is (version >= LATE_DAHLIA)


def test_checkout_sessions_carry_customer_account_from_dahlia(http, guide):
    data = {"mode": "payment", "success_url": "https://example.com/ok", "line_items[0][quantity]": "1",
            "line_items[0][price]": guide["professional_1m_one_time"].id}
    for version, present in ((CLOVER, False), (DAHLIA, True), (NEWEST, True)):
        session = http("POST", "/v1/checkout/sessions", data=data, headers={"Stripe-Version": version}).json()
        assert ("customer_account" in session) is present, version


def test_events_rendered_for_an_older_endpoint_lack_the_newer_fields(http, fake):
    """What an endpoint pinned to clover is sent: the event's object without dahlia's fields."""
    from simulator.engine.events import render_event

    made = customer(http, NEWEST)
    event = next(e for e in fake.state.store.all("event") if e["type"] == "customer.created")
    at_clover, at_newest = render_event(fake.state, event, CLOVER), render_event(fake.state, event, NEWEST)
    assert at_clover["data"]["object"]["id"] == at_newest["data"]["object"]["id"] == made["id"]
    assert "customer_account" not in at_clover["data"]["object"] and at_clover["api_version"] == CLOVER
    assert "customer_account" in at_newest["data"]["object"]
    # The frozen render is untouched: rendering for clover again after newest still drops, newest still has it.
    assert "customer_account" in render_event(fake.state, event, NEWEST)["data"]["object"]


def test_events_listed_at_an_older_version_keep_their_own_version(http):
    made = customer(http, NEWEST)
    listed = http("GET", "/v1/events", params={"type": "customer.created"}, headers={"Stripe-Version": CLOVER})
    assert listed.status_code == 200, listed.text
    event = listed.json()["data"][0]
    assert event["data"]["object"]["id"] == made["id"] and "customer_account" in event["data"]["object"]


def test_real_checkout_and_intent_fields_at_dahlia_and_later(http, guide, client):
    data = {"mode": "payment", "success_url": "https://example.com/ok", "line_items[0][quantity]": "1",
            "line_items[0][price]": guide["professional_1m_one_time"].id}
    customer_id = customer(http, NEWEST)["id"]
    for version, present in ((CLOVER, False), (DAHLIA, True), (NEWEST, True)):
        session = http("POST", "/v1/checkout/sessions", data={**data, "customer": customer_id},
                       headers={"Stripe-Version": version}).json()
        assert ("branding_settings" in session) is present and ("integration_identifier" in session) is present
        assert session["saved_payment_method_options"]["allow_redisplay_filters"] == ["always"]
    if present:
        assert session["branding_settings"]["border_style"] == "rounded"
    _, sub = subscribe(http, guide, NEWEST)
    intent_id = http("GET", "/v1/invoice_payments", params={"invoice": sub["latest_invoice"]["id"]}).json()[
        "data"][0]["payment"]["payment_intent"]
    for version, present in ((CLOVER, False), (NEWEST, True)):
        intent = http("GET", f"/v1/payment_intents/{intent_id}", headers={"Stripe-Version": version}).json()
        assert ("payment_details" in intent) is present and ("customer_account" in intent) is present
        assert {"automatic_payment_methods", "next_action", "shipping"} <= set(intent)


@pytest.mark.parametrize("version, present", [("2025-10-29.clover", False), (CLOVER, False), (DAHLIA, True)])
def test_invoice_lines_at_clover_lack_subtotal_quantity_decimal_and_subscription(http, guide, version, present):
    _, sub = subscribe(http, guide, NEWEST)
    invoice = http("GET", f"/v1/invoices/{sub['latest_invoice']['id']}", headers={"Stripe-Version": version}).json()
    line = invoice["lines"]["data"][0]
    assert line["amount"] == 2900 and "parent" in line
    for field in ("subtotal", "quantity_decimal", "subscription"):
        assert (field in line) is present, (version, field)
