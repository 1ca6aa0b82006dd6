"""The admin page's webhook deliveries: refusals logged at WARNING and listed, the diagnosis, the test event."""

import json
import logging
import time

import requests
import stripe

from platform_adapter import delivery_log
from platform_adapter.webhooks import WEBHOOK_PATH

from .support import PUBLISHABLE_KEY, SECRET_KEY

WRONG = "whsec_wrongSecretValue123"


def signed(event: dict, secret: str, age_s: int = 0) -> tuple[bytes, str]:
    body = json.dumps(event).encode()
    t = int(time.time()) - age_s
    return body, f"t={t},v1={stripe.WebhookSignature._compute_signature(f'{t}.{body.decode()}', secret)}"


def test_unverified_refusals_are_counted_and_logged_not_listed_nor_diagnosed(platform, caplog):
    web = platform.configure()
    web.post("/admin/stripe/keys", {"webhook_secret": WRONG})
    caplog.set_level(logging.DEBUG)
    body, header = signed({"id": "evt_claimed_1", "type": "invoice.paid", "created": 1,
                           "data": {"object": {"metadata": {"accountRef": "acc_claimed"}}}}, platform.webhook_secret)
    answer = requests.post(platform.base + WEBHOOK_PATH, data=body, headers={"Stripe-Signature": header}, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]["reason"] == "signature_mismatch"
    requests.post(platform.base + WEBHOOK_PATH, data=b"{}", timeout=10)  # no header at all
    page = " ".join(web.get("/admin/stripe").text.split())
    # Forged or wrongly signed look the same: counted, never the red warning nor a row of their claims.
    assert 'data-testid="diagnosis"' not in page
    assert "2 unverified deliveries refused in the last 24 hours" in page
    assert "<code>missing_header</code> × 1" in page and "<code>signature_mismatch</code> × 1" in page
    assert 'data-outcome="signature_verification_failed"' not in page and "evt_claimed_1" not in page
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "webhook delivery refused" in r.getMessage()]
    assert len(warnings) == 2
    assert "signature_verification_failed/signature_mismatch" in warnings[0].getMessage()
    assert "signature_verification_failed/missing_header" in warnings[1].getMessage()
    for secret in (WRONG, platform.webhook_secret, SECRET_KEY):
        assert secret not in caplog.text and secret not in page
    # Putting the right secret back: the next delivery is stored and the diagnosis goes away.
    web.post("/admin/stripe/keys", {"webhook_secret": platform.webhook_secret})
    body, header = signed({"id": "evt_after_fix", "type": "payment_intent.created", "created": 2, "data": {"object": {}}},
                          platform.webhook_secret)
    assert requests.post(platform.base + WEBHOOK_PATH, data=body, headers={"Stripe-Signature": header},
                         timeout=10).json()["outcome"] == "ignored"
    page = web.get("/admin/stripe").text
    assert 'data-testid="diagnosis"' not in page and "evt_after_fix" in page


def test_every_refused_delivery_is_logged_with_its_reason_code(platform, caplog):
    platform.configure()
    caplog.set_level(logging.WARNING)
    body, header = signed({"id": "evt_x"}, platform.webhook_secret)
    old = signed({"id": "evt_x"}, platform.webhook_secret, age_s=3600)[1]
    cases = [({"Stripe-Signature": header}, body, "400 malformed_event"),
             ({"Stripe-Signature": old}, body, "400 signature_verification_failed/timestamp_outside_tolerance"),
             ({"Stripe-Signature": "v1=abc"}, body, "400 signature_verification_failed/malformed_header"),
             ({}, b"x" * (1024 * 1024 + 10), "413 request_entity_too_large")]
    for headers, data, expected in cases:
        caplog.clear()
        requests.post(platform.base + WEBHOOK_PATH, data=data, headers=headers, timeout=10)
        assert any(r.levelno == logging.WARNING and expected in r.getMessage() for r in caplog.records), (expected, caplog.text)


def test_refusals_kept_are_bounded(platform, monkeypatch):
    platform.configure()
    monkeypatch.setattr(delivery_log, "KEEP", 5)
    for n in range(8):  # signed, but not an event: kept as rows, the latest 5
        body, header = signed([n], platform.webhook_secret)
        assert requests.post(platform.base + WEBHOOK_PATH, data=body, headers={"Stripe-Signature": header},
                             timeout=10).status_code == 400
    from platform_adapter.schema import attempts_table
    with platform.state.store.read() as tx:
        assert tx.count(attempts_table) == 5


def test_forged_traffic_never_pushes_signed_refusals_out_nor_sets_the_warning(platform, monkeypatch):
    web = platform.configure()
    monkeypatch.setattr(delivery_log, "KEEP", 5)
    body, header = signed({"id": "evt_signed_broken"}, platform.webhook_secret)  # signed, not an event
    assert requests.post(platform.base + WEBHOOK_PATH, data=body, headers={"Stripe-Signature": header},
                         timeout=10).status_code == 400
    forged = json.dumps({"id": "evt_forged", "type": "v2.core.event_destination.ping"}).encode()
    for n in range(30):
        header = "" if n % 3 == 0 else signed({"id": "evt_forged"}, WRONG)[1]
        assert requests.post(platform.base + WEBHOOK_PATH, data=forged, headers={"Stripe-Signature": header},
                             timeout=10).status_code == 400
    from platform_adapter.schema import attempts_table
    with platform.state.store.read() as tx:
        assert tx.count(attempts_table) == 1
        assert tx.recent_deliveries(5)[0].event_id == "evt_signed_broken"
    page = " ".join(web.get("/admin/stripe").text.split())
    assert "30 unverified deliveries refused" in page and 'data-testid="diagnosis"' not in page
    assert "evt_signed_broken" in page and "evt_forged" not in page


def test_send_a_test_event_reports_whether_it_verified(platform):
    web = platform.configure()
    sent = web.post("/admin/stripe/test-event", allow_redirects=False)
    assert sent.status_code == 303
    page = web.get("/admin/stripe").text
    assert 'data-testid="test-event" data-state="verified"' in page and "its signature verified" in page
    records = [r for r in platform.fake.deliveries if r["type"] == "v2.core.event_destination.ping"]
    assert len(records) == 1 and records[0]["status"] == 200
    web.post("/admin/stripe/keys", {"webhook_secret": WRONG})
    web.post("/admin/stripe/test-event")
    page = web.get("/admin/stripe").text
    assert 'data-state="refused"' in page and delivery_log.MISMATCH_HINT in page
    assert 'data-testid="diagnosis"' in page and WRONG not in page
    # The right secret back and a verified test event: the red diagnosis goes, though no event was stored since.
    web.post("/admin/stripe/keys", {"webhook_secret": platform.webhook_secret})
    web.post("/admin/stripe/test-event")
    page = web.get("/admin/stripe").text
    assert 'data-state="verified"' in page and 'data-testid="diagnosis"' not in page
    assert "No unverified deliveries refused in the last 24 hours" in " ".join(page.split())  # pings are rows


def test_a_test_event_without_a_matching_endpoint_says_so(platform):
    web = platform.configure()
    endpoint = platform.client.v1.webhook_endpoints.list().data[0]
    platform.client.v1.webhook_endpoints.update(endpoint.id, {"url": "https://elsewhere.example.com/hook"})
    page = web.post("/admin/stripe/test-event").text
    assert "No test event was sent: Stripe has no webhook endpoint with the URL" in page
    assert "https://elsewhere.example.com/hook" in page


def test_mode_badge_and_every_key_mistake_at_once(platform):
    web = platform.web()
    web.admin_login()
    page = web.post("/admin/stripe/keys", {"stripe_publishable_key": "pk_live_abcdefgh",
                                           "stripe_secret_key": "sk_test_abcdefgh", "webhook_secret": "wrong"}).text
    assert "test and live keys mixed" in page and "must start with whsec_" in page
    page = web.post("/admin/stripe/keys", {"stripe_publishable_key": PUBLISHABLE_KEY, "stripe_secret_key": SECRET_KEY,
                                           "webhook_secret": platform.webhook_secret}).text
    assert 'data-testid="mode">Test mode<' in page
    assert "no real money moves" in page
    live = "sk_live_0123456789abcdefLIVE"
    page = web.post("/admin/stripe/keys", {"stripe_publishable_key": "pk_live_0123456789abcdef",
                                           "stripe_secret_key": live}).text
    assert 'data-testid="mode">LIVE mode<' in page and "customers are charged real money" in " ".join(page.split())
    assert live not in page and "sk_live_…LIVE" in page  # masked, as every saved secret
