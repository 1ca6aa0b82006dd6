"""v2 on the fake: event destinations (CRUD, enable/disable, ping), thin events delivered, signed so that the
SDK's `parse_event_notification` verifies them, and fetchable (`fetch_related_object`, `fetch_event`); snapshot
destinations; JSON 404s on unknown /v2 paths."""

import threading
import time

import pytest
import stripe
from werkzeug.wrappers import Request, Response

from simulator.delivery.receiver import serving

pytestmark = pytest.mark.timeout(60)


class Capture:
    """A WSGI app on 127.0.0.1 that keeps each delivery's raw body and signature and answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.received.append((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response("{}", content_type="application/json")(environ, start_response)

    def wait(self, count: int, timeout: float = 10.0) -> list[tuple[bytes, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.received)} deliveries, wanted {count}")


@pytest.fixture
def receiver():
    capture = Capture()
    with serving(capture) as base:
        yield capture, base + "/hook"


def thin_destination(client, url: str, events=("v1.customer.created",)):
    return client.v2.core.event_destinations.create({
        "name": "thin", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": list(events),
        "webhook_endpoint": {"url": url}, "include": ["webhook_endpoint.signing_secret"]})


def test_a_thin_event_verifies_with_parse_event_notification_and_its_object_fetches(client, receiver, fake):
    capture, url = receiver
    dest = thin_destination(client, url)
    secret = dest.webhook_endpoint.signing_secret
    assert secret.startswith("whsec_") and dest.event_payload == "thin" and dest.status == "enabled"
    customer = client.v1.customers.create({"email": "thin@example.com"})
    body, signature = capture.wait(1)[0]
    notification = client.parse_event_notification(body, signature, secret)
    assert type(notification).__name__ == "V1CustomerCreatedEventNotification"
    assert notification.type == "v1.customer.created" and notification.related_object.id == customer.id
    fetched = notification.fetch_related_object()
    assert fetched.id == customer.id and fetched.email == "thin@example.com"
    event = notification.fetch_event()
    assert event.id == notification.id and event.related_object.id == customer.id
    with pytest.raises(stripe.SignatureVerificationError):
        client.parse_event_notification(body, signature, "whsec_" + "0" * 32)
    with pytest.raises(stripe.SignatureVerificationError):
        client.parse_event_notification(body.replace(customer.id.encode(), b"cus_other"), signature, secret)


def test_v2_events_list_and_retrieve(client, receiver):
    _, url = receiver
    thin_destination(client, url, events=("v1.customer.created", "v1.customer.updated"))
    customer = client.v1.customers.create({"email": "a@example.com"})
    client.v1.customers.update(customer.id, {"name": "A"})
    other = client.v1.customers.create({"email": "b@example.com"})
    listed = client.v2.core.events.list({"object_id": customer.id})
    assert [e.type for e in listed.data] == ["v1.customer.updated", "v1.customer.created"]
    assert client.v2.core.events.retrieve(listed.data[0].id).related_object.url == f"/v1/customers/{customer.id}"
    assert {e.related_object.id for e in client.v2.core.events.list().data} == {customer.id, other.id}
    with pytest.raises(stripe.InvalidRequestError):
        client.v2.core.events.retrieve("evt_test_nosuch")


def test_destination_crud_enable_disable(client, receiver):
    capture, url = receiver
    dest = thin_destination(client, url)
    again = client.v2.core.event_destinations.retrieve(dest.id)
    assert again.webhook_endpoint.signing_secret is None and again.webhook_endpoint.url is None  # secrets once
    shown = client.v2.core.event_destinations.retrieve(dest.id, {"include": ["webhook_endpoint.url"]})
    assert shown.webhook_endpoint.url == url
    updated = client.v2.core.event_destinations.update(dest.id, {"name": "renamed", "metadata": {"k": "v"}})
    assert (updated.name, updated.metadata["k"]) == ("renamed", "v")
    assert client.v2.core.event_destinations.disable(dest.id).status == "disabled"
    client.v1.customers.create({"email": "quiet@example.com"})
    time.sleep(0.3)
    assert capture.received == []  # a disabled destination gets nothing
    assert client.v2.core.event_destinations.enable(dest.id).status == "enabled"
    client.v1.customers.create({"email": "loud@example.com"})
    capture.wait(1)
    assert dest.id in [d.id for d in client.v2.core.event_destinations.list().data]
    client.v2.core.event_destinations.delete(dest.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v2.core.event_destinations.retrieve(dest.id)


def test_ping_sends_a_verifiable_thin_event(client, receiver):
    capture, url = receiver
    dest = thin_destination(client, url)
    ping = client.v2.core.event_destinations.ping(dest.id)
    body, signature = capture.wait(1)[0]
    notification = client.parse_event_notification(body, signature, dest.webhook_endpoint.signing_secret)
    assert notification.id == ping.id and notification.type == "v2.core.event_destination.ping"


def test_a_snapshot_destination_receives_v1_events_in_its_version(client, receiver):
    capture, url = receiver
    dest = client.v2.core.event_destinations.create({
        "name": "snap", "type": "webhook_endpoint", "event_payload": "snapshot", "enabled_events": ["customer.created"],
        "snapshot_api_version": "2025-11-17.clover", "webhook_endpoint": {"url": url},
        "include": ["webhook_endpoint.signing_secret"]})
    client.v1.customers.create({"email": "snap@example.com"})
    body, signature = capture.wait(1)[0]
    event = stripe.Webhook.construct_event(body, signature, dest.webhook_endpoint.signing_secret)
    assert event.type == "customer.created" and event.api_version == "2025-11-17.clover"
    assert "customer_account" not in event.data.object  # clover's shape


@pytest.mark.parametrize("params, param", [
    ({"type": "webhook_endpoint", "event_payload": "thin", "enabled_events": ["v1.customer.created"]}, "name"),
    ({"name": "x", "type": "amazon_eventbridge", "event_payload": "thin", "enabled_events": ["*"]}, "type"),
    ({"name": "x", "type": "webhook_endpoint", "event_payload": "fat", "enabled_events": ["*"],
      "webhook_endpoint": {"url": "https://example.com/h"}}, "event_payload"),
    ({"name": "x", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": ["not an event"],
      "webhook_endpoint": {"url": "https://example.com/h"}}, "enabled_events[0]"),
    ({"name": "x", "type": "webhook_endpoint", "event_payload": "thin", "enabled_events": ["*"],
      "webhook_endpoint": {"url": "ftp://example.com"}}, "webhook_endpoint.url"),
])
def test_bad_destinations_are_400_and_make_nothing(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v2.core.event_destinations.create(params)
    assert info.value.http_status == 400 and info.value.error.param == param
    assert [d for d in client.v2.core.event_destinations.list().data if d.id.startswith("ed_")] == []


@pytest.mark.parametrize("method, path", [("GET", "/v2/core/widgets"), ("POST", "/v2/billing/meter_events"),
                                          ("GET", "/v2"), ("DELETE", "/v2/core/events/evt_1")])
def test_unknown_v2_paths_are_json_404s(http, method, path):
    answer = http(method, path)
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["message"].startswith(f"Unrecognized request URL ({method}: {path})")


def test_v2_needs_a_key(base_url):
    import requests

    answer = requests.get(base_url + "/v2/core/events", timeout=10)
    assert answer.status_code == 401 and answer.json()["error"]["type"] == "invalid_request_error"
