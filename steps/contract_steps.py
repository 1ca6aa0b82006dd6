"""Steps about the contract's own clauses: the webhook's answers and error codes, the probe's rules."""

import json
import secrets

import pytest
import requests
from pytest_bdd import parsers, then, when

from simulator.delivery.signing import STRIPE_HEADERS, Signer, encode

from .probe import PREFIX
from .timeline import platform_now

HANDLED = {"checkout.session.completed", "invoice.paid", "customer.subscription.updated",
           "customer.subscription.deleted"}


@pytest.fixture
def answers() -> list:
    """The platform's HTTP answers to this scenario's raw requests, in order."""
    return []


def unhandled_event(timeline, any_plan) -> dict:
    """An event of a type the platform acknowledges and ignores, from the simulator."""
    timeline.start(any_plan)
    events = timeline.run("first-purchase")
    timeline.pending.clear()
    return next(e for e in events if e["type"] not in HANDLED)


def signed(target, clock, body: bytes) -> dict[str, str]:
    """Stripe's headers for a hand-made delivery, signed by the one signer at the platform's now."""
    return Signer([target.webhook_secret]).sign(body, at=platform_now(target, clock))


def post_signed(target, clock, body: bytes) -> requests.Response:
    return requests.post(target.webhook_url, data=body, headers=signed(target, clock, body), timeout=30)


@when("an event the platform does not handle is delivered", target_fixture="delivered_event")
def _(target, timeline, any_plan, answers, clock):
    event = unhandled_event(timeline, any_plan)
    answers.append(post_signed(target, clock, encode(event)))
    return event


@when("Stripe pings an event destination and the ping reaches the platform", target_fixture="delivered_event")
def _(target, made_endpoints, answers, clock):
    # The destination itself points nowhere: the ping the harness delivers is signed with the platform's secret.
    endpoint = target.stripe_client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/api/v6/integrations/stripe/web-hooks", "enabled_events": ["*"]})
    made_endpoints.append(endpoint.id)
    ping = requests.post(f"{target.stripe_api_base.rstrip('/')}/v2/core/event_destinations/{endpoint.id}/ping",
                         headers={"Authorization": f"Bearer {target.stripe_api_key}"}, timeout=30)
    assert ping.status_code == 200, ping.text[:300]
    event = ping.json()
    answers.append(post_signed(target, clock, encode(event)))
    return event


@then("the platform lists no delivery of it")
def _(target, delivered_event):
    listed = target.probe.events([delivered_event["id"]])
    assert not listed, listed


@when("an event the platform does not handle is delivered twice", target_fixture="delivered_event")
def _(target, timeline, any_plan, answers, clock):
    event = unhandled_event(timeline, any_plan)
    for _ in range(2):
        answers.append(post_signed(target, clock, encode(event)))
    return event


@then(parsers.parse('the platform answers 200 with the event\'s id, outcome "{outcome}" and reason code "{code}"'))
def _(answers, delivered_event, outcome, code):
    (answer,) = answers
    body = answer.json()
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    assert (body.get("received"), body.get("id"), body.get("outcome"), body.get("reasonCode")) == (
        True, delivered_event["id"], outcome, code), body
    assert "reason" in body, body


@then(parsers.parse('the last answer has outcome "{outcome}" and reason code "{code}"'))
def _(answers, outcome, code):
    body = answers[-1].json()
    assert answers[-1].status_code == 200 and (body.get("outcome"), body.get("reasonCode")) == (outcome, code), body


@then(parsers.parse('the platform answers 400 with the error "{code}" and the reason "{reason}"'))
def _(timeline, code, reason):
    attempts = [a for report in timeline.reports for a in report.attempts]
    assert attempts, "nothing was delivered"
    for attempt in attempts:
        error = _error_of(attempt.response)
        assert (attempt.status, error.get("code"), error.get("reason")) == (400, code, reason), attempt


def _error_of(text: str) -> dict:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body.get("error") or {} if isinstance(body, dict) else {}


@when("a signed body that is not JSON is delivered")
def _(target, answers, clock):
    answers.append(post_signed(target, clock, b"this is not an event"))


@when(parsers.parse("the webhook URL is asked with {method}"))
def _(target, answers, method):
    answers.append(requests.request(method, target.webhook_url, timeout=30))


BIG = b'{"filler": "' + b"x" * (3 * 1024 * 1024 // 2) + b'"}'


@when("a signed body of 1.5 MiB is delivered with its length")
def _(target, answers, clock):
    answers.append(post_signed(target, clock, BIG))


@when("a signed body of 1.5 MiB is delivered chunked")
def _(target, answers, clock):
    pieces = (BIG[i:i + 65536] for i in range(0, len(BIG), 65536))  # a generator: requests sends it chunked
    try:
        answers.append(requests.post(target.webhook_url, data=pieces, headers=signed(target, clock, BIG), timeout=30))
    except requests.ConnectionError as exc:  # the platform may close before all is sent: its answer is lost
        pytest.fail(f"no answer to a chunked body over 1 MiB: {exc}")


@when("a signed body nested 100,000 deep is delivered")
def _(target, answers, clock):
    answers.append(post_signed(target, clock, b"[" * 100_000 + b"]" * 100_000))


def first_invoice(timeline, any_plan) -> dict:
    """The first purchase's invoice.paid, from the simulator."""
    timeline.start(any_plan)
    events = timeline.run("first-purchase")
    timeline.pending.clear()
    return next(e for e in events if e["type"] == "invoice.paid")


@when(parsers.parse('a first purchase\'s invoice is delivered with the signature header "{header}"'))
def _(target, timeline, any_plan, answers, header):
    body = encode(first_invoice(timeline, any_plan))
    answers.append(requests.post(target.webhook_url, data=body, timeout=30,
                                 headers={**STRIPE_HEADERS, "Stripe-Signature": header.encode("utf-8")}))


def _line(event: dict) -> dict:
    return event["data"]["object"]["lines"]["data"][0]


# Where each field of the scenario outline lives in the event.
FIELDS = {
    "created": lambda e: (e, "created"),
    "api_version": lambda e: (e, "api_version"),
    "status": lambda e: (e["data"]["object"], "status"),
    "lines": lambda e: (e["data"]["object"], "lines"),
    "the first line's amount": lambda e: (_line(e), "amount"),
    "the first line's period end": lambda e: (_line(e)["period"], "end"),
}


@when(parsers.parse("a first purchase's invoice is delivered signed, with {field} set to {value}"))
def _(target, timeline, any_plan, answers, clock, field, value):
    event = first_invoice(timeline, any_plan)
    holder, key = FIELDS[field](event)
    holder[key] = json.loads(value)
    answers.append(post_signed(target, clock, encode(event)))


@then(parsers.parse('the answer is {status:d} with the error "{code}" and the reason "{reason}"'))
def _(answers, status, code, reason):
    (answer,) = answers
    error = _error_of(answer.text)
    assert (answer.status_code, error.get("code"), error.get("reason")) == (status, code, reason), answer.text[:300]


@then(parsers.re(r"the platform answers (?P<status>\d+) with the error \"(?P<code>\w+)\"$"))
def _(answers, status, code):
    (answer,) = answers
    assert (answer.status_code, _error_of(answer.text).get("code")) == (int(status), code), \
        (answer.status_code, answer.text[:300])


@when(parsers.parse("the probe is asked {how}"))
def _(target, account, answers, how):
    headers = {"without a token": {}, "with a wrong token": {"Authorization": "Bearer not-the-probe-token"}}[how]
    url = target.base_url + PREFIX
    answers.extend([requests.get(f"{url}/accounts/{account}", headers=headers, timeout=30),
                    requests.get(f"{url}/events", headers=headers, timeout=30),
                    requests.post(f"{url}/accounts", json={"email": "a@example.com"}, headers=headers, timeout=30)])


@then('the probe answers 401 with "WWW-Authenticate: Bearer"')
def _(answers):
    for answer in answers:
        assert answer.status_code == 401 and answer.headers.get("WWW-Authenticate", "").startswith("Bearer"), \
            (answer.request.method, answer.url, answer.status_code, dict(answer.headers))


@when("an account is created with a chosen reference", target_fixture="chosen_ref")
def _(target) -> str:
    ref = f"conformance-chosen.{secrets.token_hex(6)}:ref"
    answer = target.probe.session.post(target.base_url + PREFIX + "/accounts", timeout=30,
                                       json={"email": "chosen@example.com", "id": ref})
    assert answer.status_code == 201 and answer.json().get("id") == ref, answer.text[:300]
    return ref


@then("the probe shows the account under that reference")
def _(target, chosen_ref):
    state = target.probe.account(chosen_ref)
    assert (state["id"], state["email"], state["accountType"], state["active"]) == (
        chosen_ref, "chosen@example.com", None, False), state


@then("creating another account with that reference answers 409")
def _(target, chosen_ref):
    answer = target.probe.session.post(target.base_url + PREFIX + "/accounts", timeout=30,
                                       json={"email": "other@example.com", "id": chosen_ref})
    assert answer.status_code == 409, answer.text[:300]


@then("the account's events listed one per page are the same as listed at once")
def _(target, account, timeline):
    url = target.base_url + PREFIX + "/events"
    at_once = target.probe.session.get(url, params={"account": account}, timeout=30).json()["events"]
    paged, params = [], {"account": account, "limit": 1}
    while True:
        page = target.probe.session.get(url, params=params, timeout=30).json()
        assert len(page["events"]) <= 1, page
        paged += page["events"]
        if not page.get("next"):
            break
        params["after"] = page["next"]
    mine = {e["id"] for e in timeline.delivered}
    assert paged == at_once and at_once and {e["id"] for e in paged} <= mine, (paged, at_once)


@then(parsers.parse('the account read at "{at}" is {state}'))
def _(target, account, at, state):
    answer = target.probe.session.get(target.base_url + PREFIX + f"/accounts/{account}", params={"at": at},
                                      timeout=30)
    if state.startswith("refused: "):
        assert answer.status_code == int(state.removeprefix("refused: ")), answer.text[:300]
        return
    assert answer.status_code == 200 and answer.json()["active"] is (state == "active"), answer.text[:300]
