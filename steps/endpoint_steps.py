"""Steps about Stripe's webhook endpoint configuration, checked by `simplex-stripe doctor`."""

import json
import secrets

import pytest
from pytest_bdd import given, parsers, then, when

from platform_adapter import stripe_audit

FOUR = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
        "customer.subscription.deleted")
PINNED = "2026-10-28.endive"


@pytest.fixture
def endpoint_url(target) -> str:
    """This scenario's own endpoint URL: the platform's path, marked so a real account's endpoint is not confused."""
    return f"{target.webhook_url}?conformance={secrets.token_hex(4)}"


@pytest.fixture
def made_endpoints(target):
    """Endpoints this scenario made; deleted afterwards."""
    made: list[str] = []
    yield made
    for endpoint in made:
        target.stripe_client.v1.webhook_endpoints.delete(endpoint)


def make_endpoint(target, made_endpoints, url: str, events, api_version: str | None = PINNED) -> None:
    params = {"url": url, "enabled_events": list(events)}
    if api_version:
        params["api_version"] = api_version
    made_endpoints.append(target.stripe_client.v1.webhook_endpoints.create(params).id)


@given("a webhook endpoint for the platform subscribed to the four events")
def _(target, made_endpoints, endpoint_url):
    make_endpoint(target, made_endpoints, endpoint_url, FOUR)


@given(parsers.parse('a webhook endpoint for the platform subscribed to the four events except "{event}"'))
def _(target, made_endpoints, endpoint_url, event):
    make_endpoint(target, made_endpoints, endpoint_url, [e for e in FOUR if e != event])


@given(parsers.parse('a webhook endpoint at "{path}" subscribed to the four events'))
def _(target, made_endpoints, endpoint_url, path):
    make_endpoint(target, made_endpoints, target.base_url + path + "?" + endpoint_url.split("?")[1], FOUR)


@given(parsers.parse('a webhook endpoint named as the platform\'s at "{path}" subscribed to the four events'),
       target_fixture="endpoint_url")
def _(target, made_endpoints, endpoint_url, path):
    url = target.base_url + path + "?" + endpoint_url.split("?")[1]
    make_endpoint(target, made_endpoints, url, FOUR)
    return url


@given("a disabled webhook endpoint for the platform subscribed to the four events")
def _(target, made_endpoints, endpoint_url):
    make_endpoint(target, made_endpoints, endpoint_url, FOUR)
    target.stripe_client.v1.webhook_endpoints.update(made_endpoints[-1], {"disabled": True})


@given(parsers.parse('a webhook endpoint for the platform subscribed to "{event}"'))
def _(target, made_endpoints, endpoint_url, event):
    make_endpoint(target, made_endpoints, endpoint_url, [event])


@given(parsers.parse("a webhook endpoint for the platform over {scheme} subscribed to the four events"),
       target_fixture="endpoint_url")
def _(target, made_endpoints, endpoint_url, scheme):
    url = scheme + "://" + endpoint_url.split("://", 1)[1]
    make_endpoint(target, made_endpoints, url, FOUR)
    return url


@given("a webhook endpoint for the platform subscribed to the four events without an API version")
def _(target, made_endpoints, endpoint_url):
    make_endpoint(target, made_endpoints, endpoint_url, FOUR, api_version=None)


def run_doctor(target, webhook_url: str | None = None) -> dict:
    """What `simplex-stripe doctor --json` prints for the target's Stripe account (the audit it runs)."""
    client = stripe_audit.client_for(target.stripe_api_key, target.stripe_api_base)
    return json.loads(json.dumps(stripe_audit.audit(client, webhook_url).as_json()))


@when("the Stripe account is checked against the guide", target_fixture="doctor_report")
def _(target, endpoint_url) -> dict:
    return run_doctor(target, endpoint_url)


@when("the Stripe account is checked against the guide without naming the platform's URL",
      target_fixture="doctor_report")
def _(target) -> dict:
    return run_doctor(target)


@then("the webhook endpoint passes")
def _(doctor_report):
    endpoints = doctor_report["webhook_endpoints"]
    assert len(endpoints) == 1 and endpoints[0]["problems"] == [], endpoints


@then(parsers.parse('the webhook endpoint passes with the warning "{warning}"'))
def _(doctor_report, warning):
    endpoint = doctor_report["webhook_endpoints"][0]
    assert endpoint["problems"] == [] and any(warning in w for w in endpoint["warnings"]), endpoint


@then(parsers.parse('the webhook endpoint is flagged for missing "{event}"'))
def _(doctor_report, event):
    endpoint = doctor_report["webhook_endpoints"][0]
    assert endpoint["missing_events"] == [event] and endpoint["problems"], endpoint


@then("the webhook endpoint passes without warnings")
def _(doctor_report):
    (endpoint,) = doctor_report["webhook_endpoints"]
    assert endpoint["problems"] == [] and endpoint["warnings"] == [], endpoint


@then("the webhook endpoint is flagged for its path")
def _(doctor_report):
    (endpoint,) = doctor_report["webhook_endpoints"]
    assert any("path" in p for p in endpoint["problems"]), endpoint


@then("the webhook endpoint is flagged as disabled")
def _(doctor_report):
    (endpoint,) = doctor_report["webhook_endpoints"]
    assert endpoint["status"] == "disabled" and any("disabled" in p for p in endpoint["problems"]), endpoint


@then("that endpoint is not taken for the platform's")
def _(doctor_report, made_endpoints):
    listed = {e["id"] for e in doctor_report["webhook_endpoints"]}
    assert not listed & set(made_endpoints), doctor_report["webhook_endpoints"]


@then("no webhook endpoint for the platform is found")
def _(doctor_report):
    assert doctor_report["webhook_endpoints"] == []
    assert any("no webhook endpoint" in p for p in doctor_report["problems"]), doctor_report["problems"]
