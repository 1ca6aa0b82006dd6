"""POST /v1/events/{id}/retry (Stripe CLI's `events resend`): a stored event delivered again, signed anew."""

import pytest
import stripe

from simulator.delivery.receiver import VerifyingReceiver, serving


def test_retry_redelivers_to_every_subscribed_endpoint_or_the_one_named(fake, client):
    receiver = VerifyingReceiver(["whsec_placeholder"])
    with serving(receiver) as hook:
        first = client.v1.webhook_endpoints.create({"url": hook + "/a", "enabled_events": ["customer.created"]})
        second = client.v1.webhook_endpoints.create({"url": hook + "/b", "enabled_events": ["*"]})
        receiver.secrets[:] = [first.secret, second.secret]
        client.v1.customers.create({"email": "again@example.com"})
        assert fake.wait_for_deliveries(10)
        event = client.v1.events.list({"type": "customer.created"}).data[0]
        client.raw_request("post", f"/v1/events/{event.id}/retry")
        assert fake.wait_for_deliveries(10)
        client.raw_request("post", f"/v1/events/{event.id}/retry", webhook_endpoint=second.id)
        assert fake.wait_for_deliveries(10)
    mine = [d for d in fake.deliveries if d["event"] == event.id]
    assert sorted(d["endpoint"] for d in mine) == sorted([first.id, second.id, first.id, second.id, second.id])
    assert all(r.verified for r in receiver.received)


def test_retry_of_unknown_event_or_endpoint_is_stripes_error(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.raw_request("post", "/v1/events/evt_nope/retry")
    assert missing.value.http_status == 404
    client.v1.customers.create({"email": "x@example.com"})
    event = client.v1.events.list().data[0]
    with pytest.raises(stripe.InvalidRequestError) as endpoint:
        client.raw_request("post", f"/v1/events/{event.id}/retry", webhook_endpoint="we_nope")
    assert endpoint.value.param == "webhook_endpoint"
