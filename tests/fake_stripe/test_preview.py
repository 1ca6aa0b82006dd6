"""POST /v1/invoices/create_preview: the next cycle invoice as the engine will draft it, never stored."""

import pytest
import stripe

from simulator.spec import validator

from .conftest import advance, complete, subscription_session

HOUR = 3600


def _subscribed(client, base_url, guide):
    session = subscription_session(client, guide)
    assert complete(base_url, session.id).status_code == 200
    return client.v1.subscriptions.retrieve(client.v1.checkout.sessions.retrieve(session.id).subscription)


def _lines(invoice) -> list[tuple]:
    return [(line.amount, line.period.start, line.period.end, line.pricing.price_details.price,
             bool(line.parent.subscription_item_details.proration)) for line in invoice.lines.data]


def test_the_preview_is_the_cycle_invoice_the_engine_then_drafts(client, base_url, guide, http):
    sub = _subscribed(client, base_url, guide)
    item = sub["items"].data[0]
    # Same interval: the switch is prorated on the next cycle invoice (pending items), as Stripe does.
    client.v1.subscriptions.update(sub.id, {"items": [{"id": item.id, "price": guide["business_1m_recurring"].id}],
                                            "proration_behavior": "create_prorations"})
    raw = http("POST", "/v1/invoices/create_preview", data={"subscription": sub.id})
    assert raw.status_code == 200, raw.json()
    assert validator().validate_response(raw.json(), "POST", "/v1/invoices/create_preview") == []
    preview = client.v1.invoices.create_preview({"customer": sub.customer})
    assert preview.id.startswith("upcoming_in_") and preview.status == "draft"
    assert preview.billing_reason == "subscription_cycle" and preview.parent.subscription_details.subscription == sub.id
    assert sum(line[4] for line in _lines(preview)) == 2  # unused Professional time back, Business for the rest
    last = _lines(preview)[-1]
    assert last[1] == item.current_period_end and last[3] == guide["business_1m_recurring"].id
    assert [i.id for i in client.v1.invoices.list({"customer": sub.customer}).data] == [sub.latest_invoice]

    advance(base_url, to=item.current_period_end + HOUR + 60)
    drafted = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert drafted.id != sub.latest_invoice and drafted.status == "paid"
    assert _lines(drafted) == _lines(preview)
    assert (drafted.subtotal, drafted.total, drafted.amount_due) == (preview.subtotal, preview.total,
                                                                   preview.amount_due)
    assert (drafted.period_start, drafted.period_end) == (preview.period_start, preview.period_end)


def test_nothing_upcoming_and_what_the_fake_does_not_preview_are_stripes_errors(client, base_url, guide, http):
    sub = _subscribed(client, base_url, guide)
    refused = http("POST", "/v1/invoices/create_preview",
                   data={"subscription": sub.id, "invoice_items[0][amount]": "100",
                         "invoice_items[0][currency]": "usd"}).json()["error"]
    assert (refused["type"], refused["param"]) == ("invalid_request_error", "invoice_items")
    assert "does not simulate" in refused["message"]
    nothing = http("POST", "/v1/invoices/create_preview").json()["error"]
    assert nothing["type"] == "invalid_request_error" and "customer" in nothing["message"]
    missing = http("POST", "/v1/invoices/create_preview", data={"subscription": "sub_missing"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "resource_missing")
    other = client.v1.customers.create({"email": "other@example.com"})
    mismatch = http("POST", "/v1/invoices/create_preview", data={"subscription": sub.id, "customer": other.id})
    assert (mismatch.status_code, mismatch.json()["error"]["param"]) == (400, "subscription")
    client.v1.subscriptions.update(sub.id, {"cancel_at_period_end": True})
    with pytest.raises(stripe.InvalidRequestError) as ended:
        client.v1.invoices.create_preview({"subscription": sub.id})
    assert ended.value.http_status == 404 and ended.value.code == "invoice_upcoming_none"
    with pytest.raises(stripe.InvalidRequestError) as none:
        client.v1.invoices.create_preview({"customer": other.id})
    assert none.value.code == "invoice_upcoming_none" and other.id in str(none.value.user_message)
