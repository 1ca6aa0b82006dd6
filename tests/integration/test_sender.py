"""The sender against real HTTP receivers on 127.0.0.1."""

import itertools

import pytest
import stripe

from simulator.delivery.policy import DeliveryPolicy
from simulator.errors import InvalidOption, TargetUnreachable
from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.delivery.sender import WebhookSender
from simulator.delivery.signing import STRIPE_HEADERS, Signer
from simulator.versions import CURRENT, PRE_BASIL
from tests.support.sink import ScriptedSink
from tests.support.stories import STORIES, story_events

SECRET, OLD_SECRET = "whsec_test_current_0123456789", "whsec_test_previous_0123456789"


def fast(**kw) -> DeliveryPolicy:
    return DeliveryPolicy(**{"time_scale": 0.0, **kw})


@pytest.mark.parametrize("version", [CURRENT, PRE_BASIL])
@pytest.mark.parametrize("story", list(STORIES))
def test_every_event_verifies_with_construct_event_under_rotation(story, version):
    events = story_events(story, version)
    for secrets in ([SECRET], [SECRET, OLD_SECRET]):
        receivers = [VerifyingReceiver([s]) for s in secrets]
        for receiver in receivers:
            with serving(receiver) as base:
                report = WebhookSender(base + "/hook", secrets, fast()).send(events)
            assert report.ok
            assert [r.event_id for r in receiver.received] == [e["id"] for e in events]
            assert all(r.verified for r in receiver.received)


def test_signature_header_has_v1_per_secret_and_a_v0_decoy():
    sink = ScriptedSink()
    with serving(sink) as base:
        WebhookSender(base, [SECRET, OLD_SECRET], fast()).send(story_events("lifecycle", CURRENT)[:1])
    header = sink.hits[0].headers["Stripe-Signature"]
    keys = [part.split("=")[0] for part in header.split(",")]
    assert keys == ["t", "v1", "v1", "v0"]
    for name, value in STRIPE_HEADERS.items():
        assert sink.hits[0].headers[name] == value


def test_signed_bytes_are_the_bytes_sent_and_bad_deliveries_fail_verification():
    sink = ScriptedSink()
    with serving(sink) as base:
        WebhookSender(base, [SECRET], fast()).send(story_events("lifecycle", CURRENT)[:1])
    hit = sink.hits[0]
    header = hit.headers["Stripe-Signature"]
    assert stripe.Webhook.construct_event(hit.body, header, SECRET).id == hit.event_id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(hit.body, header, "whsec_wrong_secret_000")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(hit.body.replace(b"3123", b"3124"), header, SECRET)
    stale_header = Signer([SECRET]).sign(hit.body, at=hit.t - 301)["Stripe-Signature"]
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(hit.body, stale_header, SECRET)


def test_retries_until_2xx_then_stops():
    sink = ScriptedSink(script=[500, 503, 200, 500])
    sleeps = []
    with serving(sink) as base:
        sender = WebhookSender(base, [SECRET], DeliveryPolicy(retry="live", time_scale=0.001), sleep=sleeps.append)
        report = sender.send(story_events("lifecycle", CURRENT)[:1])
    assert report.ok
    assert [a.status for a in report.attempts] == [500, 503, 200]
    assert sleeps == pytest.approx([0.06, 0.3])


def test_gives_up_after_the_test_mode_profile_and_reports_failure():
    sink = ScriptedSink(script=[500])
    sleeps = []
    with serving(sink) as base:
        report = WebhookSender(base, [SECRET], DeliveryPolicy(retry="test", time_scale=1),
                               sleep=sleeps.append).send(story_events("lifecycle", CURRENT)[:2])
    assert not report.ok and len(report.failed) == 2
    assert len(report.attempts) == 8  # 1 try + 3 retries each
    assert sleeps[:3] == [60.0, 3600.0, 10800.0]


def test_duplicates_keep_the_id_and_change_t():
    sink = ScriptedSink()
    event = story_events("lifecycle", CURRENT)[0]
    with serving(sink) as base:
        report = WebhookSender(base, [SECRET], fast(duplicates=2), clock=lambda: 1_800_000_000).send([event])
    assert report.ok
    assert [h.event_id for h in sink.hits] == [event["id"]] * 3
    assert len({h.t for h in sink.hits}) == 3
    for hit in sink.hits:
        assert stripe.WebhookSignature.verify_header(hit.body.decode(), hit.headers["Stripe-Signature"], SECRET)


def test_seeded_shuffles_are_reproducible():
    events = story_events("lifecycle", CURRENT)
    orders = []
    for seed in (5, 5, 6):
        sink = ScriptedSink()
        with serving(sink) as base:
            WebhookSender(base, [SECRET], fast(order="shuffled", seed=seed)).send(events)
        orders.append([h.event_id for h in sink.hits])
    assert orders[0] == orders[1] != orders[2]
    assert sorted(orders[0]) == sorted(e["id"] for e in events) != orders[0]


def test_reversed_order():
    events = story_events("lifecycle", CURRENT)[:5]
    sink = ScriptedSink()
    with serving(sink) as base:
        WebhookSender(base, [SECRET], fast(order="reversed")).send(events)
    assert [h.event_id for h in sink.hits] == [e["id"] for e in reversed(events)]


def test_timeouts_count_as_failures_and_are_retried():
    sink = ScriptedSink(delay=0.5)
    with serving(sink) as base:
        report = WebhookSender(base, [SECRET], fast(timeout=0.1, retry="test")).send(
            story_events("lifecycle", CURRENT)[:1])
    assert not report.ok
    assert len(report.attempts) == 4 and all(a.status is None and "timeout" in a.error for a in report.attempts)


def test_concurrency_delivers_everything_once():
    events = story_events("lifecycle", CURRENT)
    sink = ScriptedSink(delay=0.02)
    with serving(sink) as base:
        report = WebhookSender(base, [SECRET], fast(concurrency=8)).send(events)
    assert report.ok and sorted(h.event_id for h in sink.hits) == sorted(e["id"] for e in events)


def test_every_attempt_is_recorded():
    sink = ScriptedSink(script=[500, 200])
    with serving(sink) as base:
        report = WebhookSender(base, [SECRET], fast()).send(story_events("lifecycle", CURRENT)[:1])
    first, second = report.attempts
    assert (first.attempt, first.status, second.attempt, second.status) == (1, 500, 2, 200)
    assert first.response == '{"status": 500}' and first.latency_ms > 0 and first.type == "charge.succeeded"


def test_unreachable_target_and_bad_options():
    sender = WebhookSender("http://127.0.0.1:9/hook", [SECRET], fast(timeout=1))
    with pytest.raises(TargetUnreachable):
        sender.probe()
    for url in ("ftp://x", "127.0.0.1:8000", "http://"):
        with pytest.raises(InvalidOption):
            WebhookSender(url, [SECRET])
    with pytest.raises(InvalidOption):
        WebhookSender("http://127.0.0.1/x", ["sk_test_123456789"])
    with pytest.raises(InvalidOption):
        DeliveryPolicy(order="random")


def test_schedule_is_pure_and_seeded():
    events = [{"id": f"evt_{i}", "type": "x"} for i in range(10)]
    policy = DeliveryPolicy(order="shuffled", duplicates=1, seed=3)
    assert policy.schedule(events) == policy.schedule(events)
    counts = {k: len(list(g)) for k, g in itertools.groupby(sorted(e["id"] for e in policy.schedule(events)))}
    assert set(counts.values()) == {2}
