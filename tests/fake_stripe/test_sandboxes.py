"""Each secret key is its own account: catalogue, customers, events, endpoints, clocks, ids, delivery settings."""

import json

import pytest
import requests
import stripe

from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.fake_stripe import FakeStripe

from .conftest import START, subscription_session

A, B = "sk_test_sandbox_alpha", "sk_test_sandbox_bravo"


def sdk(base: str, key: str) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)


def sim(base: str, method: str, path: str, key: str | None = None, **data) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.request(method, base + path, data=data, headers=headers, timeout=10)


def guide_of(client: stripe.StripeClient) -> dict:
    ids = {p.lookup_key: p for p in client.v1.prices.list({"limit": 100}).data}
    ids["vat"] = client.v1.tax_rates.list().data[0]
    return ids


def test_two_keys_are_two_accounts_each_seeded_like_the_fake(fake, base_url):
    alpha, bravo = sdk(base_url, A), sdk(base_url, B)
    made = alpha.v1.products.create({"name": "Only in alpha"})
    assert made.id in {p.id for p in alpha.v1.products.list({"limit": 100}).data}
    assert made.id not in {p.id for p in bravo.v1.products.list({"limit": 100}).data}
    with_lookup = lambda client: {p.lookup_key: p.id for p in client.v1.prices.list({"limit": 100}).data}  # noqa: E731
    assert with_lookup(alpha).keys() == with_lookup(bravo).keys() != set()  # both seeded with the guide...
    assert not set(with_lookup(alpha).values()) & set(with_lookup(bravo).values())  # ...under their own ids
    assert len(bravo.v1.tax_rates.list().data) == 1
    with pytest.raises(stripe.InvalidRequestError):
        bravo.v1.products.retrieve(made.id)
    assert alpha.v1.accounts.retrieve_current().id != bravo.v1.accounts.retrieve_current().id


def test_events_endpoints_and_clocks_stay_in_their_account(fake, base_url):
    alpha, bravo = sdk(base_url, A), sdk(base_url, B)
    received = VerifyingReceiver([])
    with serving(received) as hook_base:
        endpoint = bravo.v1.webhook_endpoints.create({"url": hook_base + "/hook", "enabled_events": ["*"]})
        received.secrets.append(endpoint.secret)
        alpha.v1.customers.create({"email": "alpha@example.com"})
        session = subscription_session(alpha, guide_of(alpha))
        assert sim(base_url, "POST", f"/_sim/checkout/sessions/{session.id}/complete", A).status_code == 200
        assert sim(base_url, "POST", "/_sim/clock/advance", A, seconds=86400).json()["now"] == START + 86400
        assert sim(base_url, "GET", "/_sim/clock", B).json()["now"] == START  # bravo's clock did not move
        bravo.v1.customers.create({"email": "bravo@example.com"})
        assert fake.wait_for_deliveries(5)
    assert [(r.type, r.verified) for r in received.received] == [("customer.created", True)]  # none of alpha's
    alpha_types = {e.type for e in alpha.v1.events.list({"limit": 100}).data}
    assert "checkout.session.completed" in alpha_types
    assert "checkout.session.completed" not in {e.type for e in bravo.v1.events.list({"limit": 100}).data}
    assert not bravo.v1.customers.list({"email": "alpha@example.com"}).data


def test_a_session_is_paid_on_its_own_accounts_hosted_page(fake, base_url):
    sdk(base_url, A).v1.customers.list()  # alpha takes the default sandbox
    bravo = sdk(base_url, B)
    session = subscription_session(bravo, guide_of(bravo))
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200 and 'data-testid="pay"' in page.text
    paid = requests.post(session.url, data={"card": "4242424242424242", "email": "jane@example.com"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    assert bravo.v1.checkout.sessions.retrieve(session.id).status == "complete"
    assert bravo.v1.subscriptions.list().data


def test_helpers_make_list_and_drop_sandboxes(fake, base_url):
    assert sim(base_url, "POST", "/_sim/sandboxes", seed="guide").status_code == 401  # helpers take a key
    made = sim(base_url, "POST", "/_sim/sandboxes", A, seed="guide")
    assert made.status_code == 201, made.text
    key, account = made.json()["secret_key"], made.json()["id"]
    client = sdk(base_url, key)
    assert len(client.v1.products.list({"limit": 100}).data) == 3
    assert client.v1.accounts.retrieve_current().id == account
    listed = sim(base_url, "GET", "/_sim/sandboxes", A).json()["data"]
    assert account in [s["id"] for s in listed] and key not in json.dumps(listed)  # keys are only ever masked
    empty = sim(base_url, "POST", "/_sim/sandboxes", A).json()
    assert sdk(base_url, empty["secret_key"]).v1.products.list().data == []
    assert sim(base_url, "POST", "/_sim/sandboxes", A, seed="nope").status_code == 400
    assert sim(base_url, "DELETE", f"/_sim/sandboxes/{account}", A).json()["deleted"] is True
    with pytest.raises(stripe.AuthenticationError):  # a dropped sandbox's key is refused, not re-made
        client.v1.products.list()
    assert sim(base_url, "DELETE", f"/_sim/sandboxes/{account}", A).status_code == 404
    default = listed[0]["id"]
    assert sim(base_url, "DELETE", f"/_sim/sandboxes/{default}", A).status_code == 400


def test_a_stripe_account_header_names_the_keys_own_account(fake, base_url):
    alpha, bravo = sdk(base_url, A), sdk(base_url, B)
    own = bravo.v1.accounts.retrieve_current().id
    assert bravo.v1.products.list(options={"stripe_account": own}).data
    with pytest.raises(stripe.PermissionError):
        bravo.v1.products.list(options={"stripe_account": alpha.v1.accounts.retrieve_current().id})


def test_the_state_file_keeps_every_sandbox(tmp_path):
    path = tmp_path / "fake.json"
    first = FakeStripe(seed="guide", state_file=str(path), clock=lambda: START)
    with first.serving() as base:
        kept = {key: sdk(base, key).v1.customers.create({"email": f"{key}@example.com"}).id for key in (A, B)}
        made = sim(base, "POST", "/_sim/sandboxes", A).json()
        sdk(base, made["secret_key"]).v1.customers.create({"email": "third@example.com"})
    second = FakeStripe(seed="guide", state_file=str(path), clock=lambda: START)
    with second.serving() as base:
        for key, customer in kept.items():
            assert [c.id for c in sdk(base, key).v1.customers.list().data] == [customer]
        third = sdk(base, made["secret_key"])
        assert [c.email for c in third.v1.customers.list().data] == ["third@example.com"]
        assert third.v1.products.list().data == []  # restored, not re-seeded


def test_a_pinned_key_is_the_only_account():
    fake = FakeStripe(seed="guide", api_key=A)
    with fake.serving() as base:
        assert len(sdk(base, A).v1.products.list().data) == 3
        with pytest.raises(stripe.AuthenticationError):
            sdk(base, B).v1.products.list()
    assert fake.sandboxes.all() == [fake.default]
