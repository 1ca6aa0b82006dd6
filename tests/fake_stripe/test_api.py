"""The API surface: auth, Stripe's error JSON, versions, idempotency, Request-Id, expansion, the account."""

import pytest
import requests
import stripe

from simulator.fake_stripe import FakeStripe

from .conftest import complete, subscription_session


@pytest.mark.parametrize("authorization,message", [
    pytest.param(None, "You did not provide an API key.", id="missing"),
    pytest.param("Bearer sk_live_0123456789abcdef", "Invalid API Key provided: sk_live_", id="live"),
    pytest.param("Bearer not-a-key", "Invalid API Key provided: not-a-key", id="malformed"),
    pytest.param("Bearer pk_test_0123456789", "This API call cannot be made with a publishable API key",
                 id="publishable"),
    pytest.param("Token sk_test_abc", "You did not provide an API key.", id="wrong-scheme"),
])
def test_bad_keys_get_401_in_stripes_shape(base_url, authorization, message):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(base_url + "/v1/products", headers=headers, timeout=5)
    assert response.status_code == 401 and response.headers["Request-Id"].startswith("req_")
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"].startswith(message)


def test_any_test_key_works_unless_one_is_pinned():
    fake = FakeStripe(api_key="sk_test_pinned")
    with fake.serving() as base:
        assert stripe.StripeClient("sk_test_pinned", base_addresses={"api": base}).v1.products.list().data == []
        with pytest.raises(stripe.AuthenticationError):
            stripe.StripeClient("sk_test_other", base_addresses={"api": base}).v1.products.list()
        restricted = requests.get(base + "/v1/products", auth=("sk_test_pinned", ""), timeout=5)
        assert restricted.status_code == 200  # basic auth with the key as user name, as curl -u sends


@pytest.mark.parametrize("call,status,code,param,message", [
    pytest.param(lambda c: c.v1.prices.retrieve("price_123"), 404, "resource_missing", "id",
                 "No such price: 'price_123'", id="unknown-price"),
    pytest.param(lambda c: c.v1.customers.retrieve("cus_nope"), 404, "resource_missing", "id",
                 "No such customer: 'cus_nope'", id="unknown-customer"),
    pytest.param(lambda c: c.v1.checkout.sessions.retrieve("cs_test_nope"), 404, "resource_missing", "id",
                 "No such checkout.session: 'cs_test_nope'", id="unknown-session"),
    pytest.param(lambda c: c.v1.tax_rates.retrieve("txr_nope"), 404, "resource_missing", "id",
                 "No such tax rate: 'txr_nope'", id="unknown-tax-rate"),
    pytest.param(lambda c: c.v1.subscriptions.retrieve("sub_nope"), 404, "resource_missing", "id",
                 "No such subscription: 'sub_nope'", id="unknown-subscription"),
    pytest.param(lambda c: c.v1.prices.create({"currency": "usd", "product": "prod_x", "unit_amount": 1}), 400,
                 "resource_missing", "product", "No such product: 'prod_x'", id="unknown-id-in-body"),
    pytest.param(lambda c: c.v1.products.create({"name": "x", "colour": "red"}), 400, "parameter_unknown", "colour",
                 "Received unknown parameter: colour", id="unknown-parameter"),
    pytest.param(lambda c: c.v1.prices.create({"currency": "usd", "product_data": {"name": "x", "size": "L"},
                                               "unit_amount": 1}), 400, "parameter_unknown",
                 "product_data[size]", "Received unknown parameter: product_data[size]", id="unknown-nested"),
    pytest.param(lambda c: c.v1.products.create({}), 400, "parameter_missing", "name",
                 "Missing required param: name.", id="missing-parameter"),
    pytest.param(lambda c: c.v1.prices.create({"currency": "usd", "product_data": {"name": "x"},
                                               "unit_amount": "lots"}), 400, "parameter_invalid_integer",
                 "unit_amount", "Invalid integer: lots", id="wrong-type-integer"),
    pytest.param(lambda c: c.v1.products.list({"active": "sometimes"}), 400, None, "active",
                 "Invalid boolean: sometimes", id="wrong-type-boolean"),
    pytest.param(lambda c: c.v1.prices.create({"currency": "usd", "product_data": {"name": "x"}, "unit_amount": 1,
                                               "recurring": {"interval": "fortnight"}}), 400, None,
                 "recurring[interval]", "Invalid recurring[interval]: must be one of day, month, week, or year",
                 id="wrong-enum"),
    pytest.param(lambda c: c.v1.products.create({"name": ""}), 400, "parameter_invalid_empty", "name",
                 "You passed an empty string for 'name'", id="empty-string"),
    pytest.param(lambda c: c.v1.products.list({"limit": 101}), 400, None, "limit",
                 "This value must be less than or equal to 100", id="limit-too-large"),
    pytest.param(lambda c: c.v1.products.list({"starting_after": "prod_gone"}), 400, "resource_missing",
                 "starting_after", "No such product: 'prod_gone'", id="bad-cursor"),
])
def test_errors_match_stripes_json(client, call, status, code, param, message):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        call(client)
    error = exc.value
    assert (error.http_status, error.code, error.param) == (status, code, param)
    assert error.user_message.startswith(message)
    assert error.json_body["error"]["type"] == "invalid_request_error"
    assert error.request_id.startswith("req_")


def test_unknown_url_and_malformed_version(http):
    missing = http("GET", "/v1/widgets")
    assert missing.status_code == 404
    assert "Unrecognized request URL (GET: /v1/widgets)" in missing.json()["error"]["message"]
    for version in ("2020-13-45", "banana", "2025-05-28.clover"):
        bad = http("GET", "/v1/products", headers={"Stripe-Version": version})
        assert bad.status_code == 400 and bad.json()["error"]["message"] == f"Invalid Stripe API version: {version}"
    for version in ("2019-12-03", "2025-03-31.basil", "2026-10-28.endive"):
        good = http("GET", "/v1/products", headers={"Stripe-Version": version})
        assert good.status_code == 200 and good.headers["Stripe-Version"] == version


def test_idempotency_key_replays_the_first_response(http):
    first = http("POST", "/v1/customers", data={"email": "a@example.com"}, headers={"Idempotency-Key": "k-1"})
    again = http("POST", "/v1/customers", data={"email": "a@example.com"}, headers={"Idempotency-Key": "k-1"})
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Original-Request"] == first.headers["Request-Id"] != again.headers["Request-Id"]
    other = http("POST", "/v1/customers", data={"email": "b@example.com"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"
    assert len(http("GET", "/v1/customers").json()["data"]) == 1
    invalid = http("POST", "/v1/customers", data={"colour": "red"}, headers={"Idempotency-Key": "k-2"})
    fixed = http("POST", "/v1/customers", data={"colour": "red"}, headers={"Idempotency-Key": "k-2"})
    assert invalid.status_code == 400 and "Idempotent-Replayed" not in fixed.headers  # validation is never saved


def test_sdk_errors_keep_the_idempotency_key_on_events(client):
    customer = client.v1.customers.create({"email": "x@example.com"}, {"idempotency_key": "create-x"})
    event = client.v1.events.list({"type": "customer.created"}).data[0]
    assert event.data.object.id == customer.id and event.request.idempotency_key == "create-x"


def test_expansion_works_on_id_fields_at_any_depth(client, base_url, guide):
    done = complete(base_url, subscription_session(client, guide).id).json()
    sub = client.v1.subscriptions.retrieve(done["subscription"], {
        "expand": ["customer", "latest_invoice.customer", "items.data.price.product", "default_payment_method"]})
    assert sub.customer.object == "customer" and sub.latest_invoice.customer.id == sub.customer.id
    assert sub["items"].data[0].price.product.name == "1-month Professional Account"
    assert sub.default_payment_method.card.last4 == "4242"
    sessions = client.v1.checkout.sessions.list({"expand": ["data.subscription", "data.line_items"]}).data
    assert sessions[0].subscription.id == done["subscription"] and sessions[0].line_items.data
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.subscriptions.retrieve(done["subscription"], {"expand": ["status"]})
    assert "cannot be expanded" in exc.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.retrieve(done["subscription"], {"expand": ["a.b.c.d.e"]})


def test_account_and_stripe_account_header(client, http):
    account = client.v1.accounts.retrieve_current()
    assert account.id.startswith("acct_") and account.charges_enabled and account.object == "account"
    assert http("GET", "/v1/products", headers={"Stripe-Account": account.id}).status_code == 200
    other = http("GET", "/v1/products", headers={"Stripe-Account": "acct_someone_else"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "account_invalid"


def test_events_list_filters_by_type_and_created(client, fake):
    client.v1.customers.create({"email": "a@example.com"})
    fake.advance(seconds=100)
    late = client.v1.customers.create({"email": "b@example.com"})
    created = client.v1.events.list({"type": "customer.created"}).data
    assert [e.data.object.email for e in created] == ["b@example.com", "a@example.com"]
    recent = client.v1.events.list({"created": {"gte": fake.now}, "types": ["customer.created", "price.created"]})
    assert [e.data.object.id for e in recent.data] == [late.id]
    assert {e.type for e in client.v1.events.list({"type": "price.*", "limit": 100}).data} == {"price.created"}
