"""The conformance probe contract (docs/conformance-contract.md)."""

from dataclasses import replace

import pytest
import requests
from freezegun import freeze_time

from platform_adapter import create_app
from platform_adapter.probe import PROBE_PREFIX
from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.receiver import serving
from simulator.delivery.sender import WebhookSender

from .support import SECRET, TOKEN, Probe, story


def test_probe_routes_are_404_without_a_token(settings, gateway):
    app = create_app(replace(settings, probe_token=None), gateway=gateway)
    with serving(app) as base:
        for method, path in (("POST", "/accounts"), ("GET", "/accounts/x"), ("GET", "/events")):
            response = requests.request(method, base + PROBE_PREFIX + path, json={"email": "a@b.c"},
                                        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
            assert response.status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", TOKEN])
def test_every_call_needs_the_bearer_token(probe, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("POST", "/accounts"), ("GET", "/accounts/x"), ("GET", "/events")):
        response = requests.request(method, probe.base + PROBE_PREFIX + path, json={"email": "a@b.c"},
                                    headers=headers, timeout=10)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_create_and_read_an_account(probe):
    response = requests.post(probe.base + PROBE_PREFIX + "/accounts", json={"email": "ann@example.com"},
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 201
    created = response.json()
    assert created["email"] == "ann@example.com" and created["id"]
    assert probe.account(created["id"]) == {
        "id": created["id"], "email": "ann@example.com", "accountType": None, "active": False, "paidUntil": None,
        "autoRenew": False, "customerId": None, "subscriptionId": None}


def test_a_chosen_reference_is_kept_and_cannot_be_reused(probe):
    assert probe.create_account(id="acct-42") == "acct-42"
    again = requests.post(probe.base + PROBE_PREFIX + "/accounts", json={"email": "b@example.com", "id": "acct-42"},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert again.status_code == 409


@pytest.mark.parametrize("body", [None, {}, {"email": 3}, {"email": "not-an-address"}, ["a@b.c"],
                                  {"email": "a@b.c", "id": "has space"}, {"email": "a@b.c", "id": 7},
                                  {"email": "a@b.c", "id": None}, {"email": "a@b.c", "id": ""},
                                  {"email": "a@b.c", "id": ["x"]}, {"email": "\ud800@b.c"},
                                  {"email": "a@b.c", "id": "\ud800"}, {"email": "a\x00@b.c"}])
def test_bad_account_bodies_are_400(probe, body):
    response = requests.post(probe.base + PROBE_PREFIX + "/accounts", json=body,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    listed = requests.get(probe.base + PROBE_PREFIX + "/events", headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=10)
    assert listed.status_code == 200


@pytest.mark.parametrize("path, body", [
    ("/checkout", {"account": "\ud800", "price": "price_1"}),
    ("/checkout", {"account": "acct-1", "price": "\udfff"}),
    ("/checkout", {"account": "acct-1", "price": "price_1", "currency": "\ud800"}),
    ("/checkout", {"account": 5, "price": "price_1"}),
    ("/checkout", {"account": "acct-1", "price": "price_1", "currency": 3}),
    ("/configuration/check", {"secretKey": "sk_test_\ud800"}),
    ("/configuration/check", {"webhookSecret": None}),
])
def test_probe_fields_are_checked_for_type_and_encodable_text(probe, path, body):
    # A lone surrogate reached SQLite (UnicodeEncodeError in account_by_ref) and answered 500.
    response = requests.post(probe.base + PROBE_PREFIX + path, json=body,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_request"


def test_unknown_account_is_404_and_bad_time_is_400(probe):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(probe.base + PROBE_PREFIX + "/accounts/nobody", headers=auth, timeout=10).status_code == 404
    ref = probe.create_account()
    bad = requests.get(probe.base + PROBE_PREFIX + f"/accounts/{ref}", params={"at": "yesterday"}, headers=auth,
                       timeout=10)
    assert bad.status_code == 400


def test_events_listing_is_empty_at_first(probe):
    assert Probe(probe.base).events() == [] and probe.events(account="whoever") == []


def test_now_is_the_patched_clock_freezegun_controls(probe):
    ref = probe.create_account()
    events, world = story(["first-purchase"], account=ref)
    with freeze_time("2026-02-15T00:00:00Z"):  # signing and the 300 s tolerance follow the frozen clock too
        assert WebhookSender(probe.webhook_url, [SECRET], DeliveryPolicy(retry="none")).send(events).ok
        assert probe.account(ref)["active"] is True
    with freeze_time("2026-03-15T00:00:00Z"):
        assert probe.account(ref)["active"] is False


def test_events_page_newest_first_and_by_id_while_deliveries_arrive(probe):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    ref = probe.create_account()
    events, _ = story(["first-purchase", "renewal"], account=ref)
    sender = WebhookSender(probe.webhook_url, [SECRET], DeliveryPolicy(retry="none", time_scale=0, duplicates=1))
    assert sender.send(events).ok
    url = probe.base + PROBE_PREFIX + "/events"
    everything = requests.get(url, headers=auth, timeout=10).json()
    assert everything["next"] is None and len(everything["events"]) == 2 * len(events)

    def pages(params: dict) -> list[list[dict]]:
        got = []
        while True:
            page = requests.get(url, params=params, headers=auth, timeout=10).json()
            got.append(page["events"])
            if not page["next"]:
                return got
            params = {**params, "after": page["next"]}
            if len(got) == 2:  # a delivery arriving between pages neither shifts nor repeats a row
                probe.post_event(events[0])

    newest = pages({"order": "newest", "limit": 3})
    flat = [e for page in newest for e in page]
    assert all(len(page) == 3 for page in newest[:-1])
    assert [e["receivedAt"] for e in flat] == sorted((e["receivedAt"] for e in flat), reverse=True)
    assert flat == list(reversed(everything["events"]))  # the late delivery is newer than the first page: not listed
    wanted = [events[0]["id"], events[-1]["id"]]
    by_id = requests.get(url, params={"id": wanted, "limit": 2}, headers=auth, timeout=10).json()
    assert {e["id"] for e in by_id["events"]} <= set(wanted) and by_id["next"]
    rest = requests.get(url, params={"id": wanted, "limit": 100, "after": by_id["next"]}, headers=auth,
                        timeout=10).json()
    both = by_id["events"] + rest["events"]
    assert sorted(e["id"] for e in both) == sorted(wanted * 2 + [events[0]["id"]]) and rest["next"] is None


@pytest.mark.parametrize("query", [{"limit": "x"}, {"limit": "0"}, {"order": "random"}, {"after": "nonsense"},
                                   {"id": [f"evt_{i}" for i in range(101)]}])
def test_bad_event_queries_are_400(probe, query):
    response = requests.get(probe.base + PROBE_PREFIX + "/events", params=query,
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_outcomes_carry_codes_in_the_answer_and_the_listing(probe):
    ref = probe.create_account()
    events, _ = story(["first-purchase"], account=ref)
    other = next(e for e in events if e["type"] == "customer.created")
    answers = [probe.post_event(other).json(), probe.post_event(other).json()]
    assert [(a["outcome"], a["reasonCode"]) for a in answers] == [
        ("ignored", "event_type_not_handled"), ("duplicate", "already_received")]
    stranger = next(e for e in events if e["type"] == "checkout.session.completed")
    stranger = {**stranger, "id": "evt_stranger", "data": {"object": {
        **stranger["data"]["object"], "client_reference_id": "nobody", "metadata": {"accountRef": "nobody"}}}}
    assert probe.post_event(stranger).json()["reasonCode"] == "account_unknown"
    listed = requests.get(probe.base + PROBE_PREFIX + "/events", params={"id": [other["id"], "evt_stranger"]},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()["events"]
    assert [e["reasonCode"] for e in listed] == ["event_type_not_handled", "already_received", "account_unknown"]


def test_a_database_from_before_reason_codes_gains_the_column(tmp_path):
    from sqlalchemy import create_engine, inspect, text

    from platform_adapter.storage import Store
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # the events table as the first release created it
        conn.execute(text("CREATE TABLE stripe_events (id VARCHAR(255) PRIMARY KEY, type VARCHAR(100) NOT NULL, "
                          "created BIGINT NOT NULL, api_version VARCHAR(40), received_at FLOAT NOT NULL, "
                          "outcome VARCHAR(20) NOT NULL, reason TEXT, account_id INTEGER, account_ref VARCHAR(200), "
                          "customer_id VARCHAR(255), subscription_id VARCHAR(255), facts TEXT, payload TEXT NOT NULL)"))
        for column in ("account_id", "account_ref", "customer_id", "subscription_id"):
            conn.execute(text(f"CREATE INDEX ix_stripe_events_{column} ON stripe_events ({column})"))
        conn.execute(text("INSERT INTO stripe_events VALUES ('evt_old', 'invoice.paid', 1, NULL, 2.0, 'ignored', "
                          "'old', NULL, NULL, NULL, NULL, NULL, '{}')"))
    engine.dispose()
    store = Store(url)
    try:
        assert "reason_code" in {c["name"] for c in inspect(store.engine).get_columns("stripe_events")}
        # Only pending events are looked up by customer or subscription: partial indexes instead of full ones.
        assert {i["name"] for i in inspect(store.engine).get_indexes("stripe_events")} == {
            "ix_stripe_events_account_ref", "ix_stripe_events_pending_customer_id",
            "ix_stripe_events_pending_subscription_id"}
        with store.read() as tx:
            (row,) = tx.list_deliveries()
        assert (row.id, row.reason, row.reason_code) == ("evt_old", "old", None)
        Store(url).close()  # a second start finds the column there
    finally:
        store.close()


@pytest.mark.parametrize("body", [None, ["pk_test_1"], {"secretKey": 42}])
def test_configuration_check_bodies_that_are_not_keys_are_400(probe, body):
    response = requests.post(probe.base + PROBE_PREFIX + "/configuration/check", json=body,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_configuration_check_names_each_refused_key_without_asking_stripe(probe):
    keys = {"publishableKey": "sk_test_abcdefgh1234", "secretKey": "", "webhookSecret": "whsec_has space"}
    response = requests.post(probe.base + PROBE_PREFIX + "/configuration/check", json=keys,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "keys_refused"
    assert error["fields"] == {"publishableKey": "wrong_prefix", "secretKey": "missing", "webhookSecret": "malformed"}
    assert "sk_test_abcdefgh1234" not in response.text  # a secret typed in the wrong field never comes back
