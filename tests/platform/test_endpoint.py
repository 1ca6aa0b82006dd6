"""The webhook endpoint over real HTTP on 127.0.0.1: bad inputs change nothing; stories end in the right state."""

import json
import time

import pytest
import requests

from platform_adapter import accounts as accounts_module
from platform_adapter.schema import events as events_table, facts_table, redeliveries
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.sender import WebhookSender
from simulator.delivery.signing import signature

from .support import SECRET, STORY_FOR, expected, sign, state_of, story


def counts(store) -> tuple[int, int, int]:
    with store.read() as tx:
        return tx.count(events_table), tx.count(redeliveries), tx.count(facts_table)


def first_invoice(ref: str) -> dict:
    events, _ = story(["first-purchase"], account=ref)
    return next(e for e in events if e["type"] == "invoice.paid")


def bad_deliveries(event: dict):
    body = json.dumps(event).encode()
    now = int(time.time())
    v1 = signature(body, SECRET, now)
    yield "missing-header", body, None, 400, "missing_header"
    yield "empty-header", body, "", 400, "missing_header"
    yield "only-v0", body, f"t={now},v0={v1}", 400, "no_v1_signature"
    yield "no-timestamp", body, f"v1={v1}", 400, "malformed_header"
    yield "wrong-secret", body, sign(body, "whsec_someone_else_0123456789"), 400, "signature_mismatch"
    yield "tampered-body", body.replace(b'"paid"', b'"PAID"', 1), sign(body), 400, "signature_mismatch"
    yield "uppercase-hex", body, f"t={now},v1={v1.upper()}", 400, "signature_mismatch"
    yield "stale-timestamp", body, sign(body, timestamp=now - 301), 400, "timestamp_outside_tolerance"
    yield "malformed-json", b'{"id": "evt_x", ', sign(b'{"id": "evt_x", '), 400, "malformed_event"
    yield "json-not-an-event", b'{"hello": 1}', sign(b'{"hello": 1}'), 400, "malformed_event"
    yield "not-utf-8", b'{"id": "\xff"}', f"t={now},v1={signature(b'{}', SECRET, now)}", 400, "malformed_event"
    thin = json.dumps({"id": "evt_thin", "object": "v2.core.event", "type": "v1.invoice.paid"}).encode()
    yield "thin-event", thin, sign(thin), 400, "malformed_event"
    big = json.dumps({**event, "padding": "x" * (1024 * 1024)}).encode()
    yield "over-1-MiB", big, sign(big), 413, "request_entity_too_large"


@pytest.mark.parametrize("case", [c[0] for c in bad_deliveries(first_invoice("acct-x"))])
def test_bad_deliveries_get_their_status_and_change_nothing(probe, store, case):
    ref = probe.create_account()
    event = first_invoice(ref)
    _, body, header, status, reason = next(c for c in bad_deliveries(event) if c[0] == case)
    before = probe.account(ref)
    response = probe.post_event(body, header=header)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error.get("reason", error["code"]) == reason
    assert probe.account(ref) == before and before["accountType"] is None
    assert counts(store) == (0, 0, 0)
    assert probe.events() == []
    # The same event, properly signed, is then applied: the bad attempts left no trace that blocks it.
    assert probe.post_event(event).json()["outcome"] == "applied"


def test_exactly_300_seconds_old_is_still_accepted(probe):
    ref = probe.create_account()
    event = first_invoice(ref)
    body = json.dumps(event).encode()
    response = probe.post_event(body, header=sign(body, timestamp=int(time.time()) - 299))
    assert response.status_code == 200 and response.json()["outcome"] == "applied"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(probe, store, method):
    response = requests.request(method, probe.webhook_url, data=b"{}", timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert counts(store) == (0, 0, 0)


@pytest.mark.parametrize("name", list(STORY_FOR))
def test_each_sequence_over_http_shuffled_and_redelivered(probe, name):
    ref = probe.create_account()
    events, world = story(STORY_FOR[name], account=ref)
    policy = DeliveryPolicy(order="shuffled", duplicates=1, retry="none", seed=name, time_scale=0)
    report = WebhookSender(probe.webhook_url, [SECRET], policy).send(events)
    assert report.ok, report.failed
    account = probe.account(ref)
    assert (account["accountType"], account["paidUntil"], account["autoRenew"]) == iso_state(expected(name, world))
    outcomes = [e["outcome"] for e in probe.events()]
    assert outcomes.count("duplicate") == len(events) and "pending" not in outcomes
    if world.subscription:
        assert account["subscriptionId"] == world.subscription.id and account["customerId"] == world.customer_id


def iso_state(want: tuple) -> tuple:
    from platform_adapter.probe import iso
    return want[0], iso(want[1]), want[2]


def test_active_is_evaluated_at_the_requested_time(probe):
    ref = probe.create_account()
    events, world = story(["first-purchase"], account=ref)
    WebhookSender(probe.webhook_url, [SECRET], DeliveryPolicy(retry="none")).send(events)
    end = probe.account(ref)["paidUntil"]
    assert probe.account(ref, at="2026-02-01T00:00:00Z")["active"] is True
    assert probe.account(ref, at=end)["active"] is False
    assert probe.account(ref, at="2026-02-28T09:59:59")["active"] is True  # naive means UTC


def test_unknown_account_reference_is_acknowledged_and_rejected(probe):
    event = first_invoice("acct-nobody")
    response = probe.post_event(event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "rejected" and "acct-nobody" in response.json()["reason"]
    listed = probe.events(account="acct-nobody")
    assert [(e["id"], e["outcome"]) for e in listed] == [(event["id"], "rejected")]


def test_product_breaking_the_rules_is_rejected_visibly(probe, gateway):
    gateway.prices["price_pro"] = ("prod_pro", {"AccountType": "professional", "interval": "1"})
    ref = probe.create_account()
    response = probe.post_event(first_invoice(ref))
    assert response.status_code == 200 and response.json()["outcome"] == "rejected"
    assert "case-sensitive" in response.json()["reason"]
    assert state_of(probe.account(ref)) == (None, None, False, False)
    assert probe.events(account=ref)[0]["outcome"] == "rejected"


def test_stripe_unreachable_answers_500_and_the_retry_completes(probe, store, gateway):
    ref = probe.create_account()
    event = first_invoice(ref)
    gateway.down = True
    response = probe.post_event(event)
    assert response.status_code == 500 and response.json()["error"]["code"] == "stripe_unavailable"
    assert counts(store) == (0, 0, 0) and probe.account(ref)["accountType"] is None
    gateway.down = False
    assert probe.post_event(event).json()["outcome"] == "applied"
    assert probe.account(ref)["accountType"] == "professional"


def test_failure_while_applying_rolls_everything_back(probe, store, monkeypatch):
    ref = probe.create_account()
    event = first_invoice(ref)

    def broken(facts):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr("platform_adapter.ledger.derive", broken)
    assert probe.post_event(event).status_code == 500
    assert counts(store) == (0, 0, 0)
    with store.read() as tx:
        assert tx.latest_link(tx.account_by_ref(ref).id, "customer") is None
    monkeypatch.setattr("platform_adapter.ledger.derive", accounts_module.derive)
    assert probe.post_event(event).json()["outcome"] == "applied"


def test_unmatched_event_waits_as_pending_until_a_link_arrives(probe):
    ref = probe.create_account()
    events, world = story(["first-purchase"], account=ref)
    invoice_paid = next(e for e in events if e["type"] == "invoice.paid")
    invoice_paid["data"]["object"]["parent"]["subscription_details"]["metadata"] = {}
    checkout = next(e for e in events if e["type"] == "checkout.session.completed")
    first = probe.post_event(invoice_paid).json()
    assert first["outcome"] == "pending" and world.subscription.id in first["reason"]
    assert probe.account(ref)["accountType"] is None
    assert probe.post_event(checkout).json()["outcome"] == "applied"
    assert probe.account(ref)["accountType"] == "professional"
    listed = {e["id"]: e for e in probe.events(account=ref)}
    assert listed[invoice_paid["id"]]["outcome"] == "applied"
    assert "was pending" in listed[invoice_paid["id"]]["reason"]


def test_other_event_types_are_acknowledged_and_ignored(probe):
    ref = probe.create_account()
    events, _ = story(["first-purchase"], account=ref)
    other = next(e for e in events if e["type"] == "charge.succeeded")
    response = probe.post_event(other)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert [e["outcome"] for e in probe.events()] == ["ignored"]


def test_catalogue_is_learned_once_and_kept(probe, gateway, app, settings):
    ref = probe.create_account()
    events, _ = story(["first-purchase", "renewal", "renewal"], account=ref)
    WebhookSender(probe.webhook_url, [SECRET], DeliveryPolicy(retry="none")).send(events)
    assert gateway.calls == [("price", "price_pro")]
    with app.extensions["platform_adapter"].store.read() as tx:
        assert tx.catalogue_entry("price_pro").product_id == "prod_pro"


def test_redelivery_is_acknowledged_even_while_stripe_is_down(probe, gateway):
    ref = probe.create_account()
    event = first_invoice(ref)
    assert probe.post_event(event).json()["outcome"] == "applied"
    probe.session.close()
    gateway.down = True
    again = probe.post_event(event)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert [e["outcome"] for e in probe.events(account=ref)] == ["applied", "duplicate"]
