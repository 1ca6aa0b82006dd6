"""The VCR example `example:sdk-traffic`: SDK calls recorded against the project's own fake, in vcrpy's YAML
(`python -m simulator.fidelity.vcr_example` writes it again after a deliberate change to the fake).

The account already has a product `gold` and its monthly price before recording starts (made off the tape). The
price's id is written as `gold-monthly` throughout, as an account whose plans predate prices names them, so a
replay must seed it from the shapes the recording shows."""

import json
import sys
from pathlib import Path

import stripe

from . import vcr

OUT = Path(__file__).with_name("cassettes") / "sdk-traffic.yaml"
KEY = "sk_test_vcr_recording_0123456789"
PLAN = "gold-monthly"
KEPT = ("Stripe-Version", "Idempotency-Key", "Content-Type")


class VcrClient(stripe.RequestsClient):
    """Keeps every request and response as a VCR interaction (no Authorization header)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.interactions: list[dict] = []
        self.recording = False

    def request_with_retries(self, method, url, headers, post_data=None, max_network_retries=None, *,
                             _usage=None):
        body, status, answer = super().request_with_retries(method, url, headers, post_data, max_network_retries,
                                                            _usage=_usage)
        if self.recording:
            text = body.decode() if isinstance(body, bytes) else body
            self.interactions.append({
                "method": method.upper(), "uri": url, "status": status,
                "body": (post_data.decode() if isinstance(post_data, bytes) else post_data) or None,
                "headers": {k: v for k, v in headers.items() if k in KEPT},
                "response_body": text,
                "response_headers": {k: v for k, v in dict(answer).items() if k.lower() in ("request-id",
                                                                                          "content-type")}})
        return body, status, answer


def record(base: str) -> list[dict]:
    """The recorded traffic: a customer subscribes to the existing plan, pays, is invoiced, cancels."""
    http = VcrClient(timeout=30)
    client = stripe.StripeClient(KEY, base_addresses={"api": base}, http_client=http, max_network_retries=0)
    client.v1.products.create({"id": "gold", "name": "Gold", "metadata": {"tier": "gold"}})
    price = client.v1.prices.create({"product": "gold", "currency": "usd", "unit_amount": 2900,
                                     "recurring": {"interval": "month"}, "nickname": "Gold monthly"})
    http.recording = True
    customer = client.v1.customers.create({"email": "vcr@example.com", "name": "Vera Cassette",
                                           "metadata": {"accountRef": "acct-vcr"}})
    client.v1.customers.retrieve(customer.id)
    method = client.v1.payment_methods.create({"type": "card", "card": {"token": "tok_visa"}})
    client.v1.payment_methods.attach(method.id, {"customer": customer.id})
    client.v1.customers.update(customer.id, {"invoice_settings": {"default_payment_method": method.id},
                                             "description": "recorded by make_vcr_cassette"})
    client.v1.prices.retrieve(price.id)
    client.v1.products.retrieve("gold")
    subscription = client.v1.subscriptions.create({"customer": customer.id, "items": [{"price": price.id}],
                                                   "metadata": {"accountRef": "acct-vcr"}})
    client.v1.subscriptions.retrieve(subscription.id)
    client.v1.invoices.list({"customer": customer.id})
    client.v1.subscriptions.update(subscription.id, {"cancel_at_period_end": True})
    client.v1.subscriptions.cancel(subscription.id)
    try:
        client.v1.customers.retrieve("cus_NoSuchCustomer0001")
    except stripe.InvalidRequestError:
        pass  # a recorded 404 is traffic too
    return [_rename(item, price.id) for item in http.interactions]


def _rename(item: dict, price_id: str) -> dict:
    return json.loads(json.dumps(item).replace(price_id, PLAN))


def main(out: Path = OUT) -> Path:
    """Record against a fresh fake on 127.0.0.1 and write the cassette."""
    from simulator.fake_stripe import FakeStripe

    fake = FakeStripe(seed="empty", api_key=KEY, id_seed="vcr-recording")
    with fake.serving(host="127.0.0.1", port=0) as base:
        interactions = record(base)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(vcr.dumps(interactions).replace(base, "https://api.stripe.com"), encoding="utf-8")
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
