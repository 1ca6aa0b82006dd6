"""Steps about signatures: forged deliveries, secret rotation."""


import requests
from pytest_bdd import parsers, then, when

from simulator.delivery.sender import Attempt, Report
from simulator.delivery.signing import STRIPE_HEADERS, Signer, encode

from .timeline import platform_now


OLD_SECRET = "whsec_conformance_previous_secret_0000"
WRONG_SECRET = "whsec_conformance_wrong_secret_00000000"


def forged(event: dict, forgery: str, secret: str, now: int) -> tuple[bytes, dict]:
    """The body and headers of one delivery that Stripe did not sign: the one signer's, then spoilt."""
    body = encode(event)
    if forgery == "no signature header":
        return body, dict(STRIPE_HEADERS)
    headers = Signer([WRONG_SECRET if forgery == "the wrong secret" else secret]).sign(
        body, at=now - 600 if forgery == "a timestamp 10 minutes old" else now)
    t, v1, v0 = headers["Stripe-Signature"].split(",")
    if forgery == "a tampered body":
        body = body.replace(b'"livemode": false', b'"livemode": false ', 1)
    elif forgery == "only a v0 signature":
        headers["Stripe-Signature"] = f"{t},{v0}"
    elif forgery == "a header without t=":
        headers["Stripe-Signature"] = f"{v1},{v0}"
    elif forgery == "upper-case hex":
        headers["Stripe-Signature"] = f"{t},v1={v1[3:].upper()}"
    elif forgery not in ("the wrong secret", "a timestamp 10 minutes old"):
        raise ValueError(f"unknown forgery {forgery!r}")
    return body, headers


@when(parsers.parse("a first purchase is delivered with {forgery}"))
def _(target, timeline, any_plan, clock, forgery):
    timeline.start(any_plan)
    events = timeline.run("first-purchase")
    timeline.pending.clear()
    report = Report()
    for event in events:
        # Signed at the platform's now, so only the forgery is wrong (a deployed platform's clock is real time).
        body, headers = forged(event, forgery, target.webhook_secret, platform_now(target, clock))
        response = requests.post(target.webhook_url, data=body, headers=headers, timeout=15)
        report.attempts.append(Attempt(event["id"], event["type"], 1, response.status_code, 0.0, response.text[:200]))
    timeline.reports.append(report)
    timeline.delivered.extend(events)


@when(parsers.parse("an event is delivered with {count:d} v1 signatures, the platform's secret signing number "
                    "{position:d}"))
def _(target, timeline, any_plan, count, position):
    timeline.start(any_plan)
    events = [e for e in timeline.run("first-purchase") if e["type"] == "customer.created"]
    timeline.pending.clear()
    # The other v1 are made with secrets the platform does not know, as Stripe's are during a rotation.
    secrets = [f"{OLD_SECRET}{n}" for n in range(count - 1)]
    secrets.insert(position - 1, target.webhook_secret)
    timeline.reports.append(timeline.sender(secrets=secrets).send(events))


@then("the platform recorded none of those events")
def _(target, timeline):
    recorded = target.probe.events(e["id"] for e in timeline.delivered)
    assert not recorded, recorded
