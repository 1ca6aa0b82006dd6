"""Signed-event throughput vs plain POSTs of the same bodies, same sink, same run.

Run: python benchmarks/bench_simulator.py [N]   (goal: ratio >= 0.8)
"""

import sys
import time

import requests
from werkzeug.wrappers import Response

from simulator.delivery.policy import DeliveryPolicy
from simulator.delivery.receiver import serving
from simulator.delivery.sender import WebhookSender
from simulator.delivery.signing import STRIPE_HEADERS, encode
from simulator.stories import new_story

SECRET = "whsec_benchmark_secret_0123456789"
ROUNDS = 3
STORY = ["first-purchase", "renewal", "renewal", "plan-change", "cancellation"]


def sink(environ, start_response):
    """Accepts anything: we measure the sender, not the receiver."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    return Response('{"received": true}', content_type="application/json")(environ, start_response)


def build_events(n: int) -> list[dict]:
    """At least n events from repeated lifecycles, each told by a fresh in-process engine."""
    events, seed = [], 0
    while len(events) < n:
        story = new_story(seed=seed, start=1_790_000_000, account=f"acct-{seed}")
        events += story.run(STORY, "2026-10-28.endive")
        seed += 1
    return events[:n]


def simulator_rate(url: str, n: int) -> float:
    """Events/s including telling the stories on the engine, signing and sending."""
    started = time.perf_counter()
    events = build_events(n)
    report = WebhookSender(url, [SECRET], DeliveryPolicy(retry="none")).send(events)
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise SystemExit("the sink refused deliveries")
    return n / elapsed


def plain_rate(url: str, bodies: list[bytes]) -> float:
    """POSTs/s of pre-built bodies with requests alone."""
    session = requests.Session()
    started = time.perf_counter()
    for body in bodies:
        session.post(url, data=body, headers=STRIPE_HEADERS, timeout=10).raise_for_status()
    return len(bodies) / (time.perf_counter() - started)


def main(n: int = 2000) -> None:
    bodies = [encode(e) for e in build_events(n)]
    plain, simulated = [], []
    with serving(sink) as base:
        plain_rate(base, bodies[:100])  # warm-up
        for _ in range(ROUNDS):  # interleaved rounds, best of each, so drift hits both alike
            plain.append(plain_rate(base, bodies))
            simulated.append(simulator_rate(base, n))
    plain, simulated = max(plain), max(simulated)
    print(f"events:            {n}")
    print(f"plain requests:    {plain:8.0f} POST/s")
    print(f"simulator fire:    {simulated:8.0f} events/s (engine + sign + send)")
    print(f"ratio:             {simulated / plain:8.2f}  (goal >= 0.80)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
