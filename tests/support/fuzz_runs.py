"""The HTTP fuzz runs (fake Stripe; platform pages and probe): set up on 127.0.0.1, send N cases, count.

Used by `benchmarks/fuzz_fake.py`, `benchmarks/fuzz_platform.py` (`--cases 10000`) and by the suite
(1,000 each, `tests/fake_stripe/test_fuzz_api.py`, `tests/platform/test_fuzz_pages.py`).
"""

import tempfile
import time
from collections import Counter
from contextlib import ExitStack

import requests
import stripe
from hypothesis import HealthCheck, Phase, given, seed, settings

from . import fuzz_http

FAKE_KEY = "sk_test_fuzz_fake_0123"
# Routes that would make the fake send HTTP to a URL the input chose: never fuzzed (127.0.0.1 only).
OUTBOUND = {("POST", "/v1/webhook_endpoints"), ("POST", "/v1/webhook_endpoints/<id>"),
            ("POST", "/v1/events/<id>/retry")}
HELPERS = [("POST", "/_sim/checkout/sessions/<id>/complete"), ("POST", "/_sim/clock/advance"), ("GET", "/_sim/clock"),
           ("POST", "/_sim/seed"), ("GET", "/_sim/deliveries"), ("GET", "/_sim/delivery"), ("POST", "/_sim/delivery"),
           ("GET", "/_sim/events"), ("POST", "/_sim/customers/<id>/card"), ("POST", "/_sim/reset")]


def _counts(answers: list[tuple[str, fuzz_http.Answer]], problems: list, elapsed: float) -> dict:
    by_status = Counter(a.status for _, a in answers)
    by_kind = Counter(kind for kind, _ in answers)
    return {"cases": len(answers), "seconds": round(elapsed, 1),
            "by_kind": dict(sorted(by_kind.items())),
            "by_status": {str(k): v for k, v in sorted(by_status.items())},
            "status_5xx": sum(n for status, n in by_status.items() if status >= 500),
            "hangs": sum(1 for _, a in answers if a.status == 0),
            "closed_without_answer": sum(1 for _, a in answers if a.status == -1),
            "slowest_s": round(max((a.seconds for _, a in answers), default=0), 3),
            "forged": by_kind[fuzz_http.FORGED],
            "state_changes_forged": sum(1 for _, a in answers if a.changed),
            "problem_count": len(problems), "problems": problems[:20]}


def _drive(strategy, send, cases: int, random_seed: int) -> tuple[list, list, float]:
    answers, problems = [], []

    @seed(random_seed)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(request=strategy)
    def one(request):
        answer = send(request)
        answers.append((request.kind, answer))
        if answer.problems:
            problems.append({"kind": request.kind, "method": request.method, "path": request.path[:200],
                             "form": repr(request.form)[:200], "status": answer.status,
                             "problems": list(answer.problems)})

    started = time.perf_counter()
    one()
    return answers, problems, time.perf_counter() - started


def run_fake(cases: int, random_seed: int = 13) -> dict:
    """Fuzz the fake Stripe's API, helpers and hosted pages over HTTP."""
    from simulator.fake_stripe import FakeStripe
    from simulator.api.app import routes

    fake = FakeStripe(seed="guide", api_key=FAKE_KEY, time_scale=0)
    with ExitStack() as stack:
        base = stack.enter_context(fake.serving())
        stack.callback(fake.close)
        client = stripe.StripeClient(FAKE_KEY, base_addresses={"api": base}, max_network_retries=0)
        ids = _fake_objects(client)
        api = sorted({(m, p) for m, p, _ in routes()} - OUTBOUND)
        helpers = [h for h in HELPERS if h[1] != "/_sim/reset"]  # a reset would empty the pool of real ids
        http = stack.enter_context(requests.Session())
        http.trust_env = False

        def send(request):
            return fuzz_http.send(http, base, request, lambda: fuzz_http.fake_fingerprint(fake), (FAKE_KEY,))

        answers, problems, elapsed = _drive(fuzz_http.fake_requests(api, helpers, ids, FAKE_KEY), send, cases,
                                            random_seed)
        # Still serving after all of it, and never delivered anywhere (no endpoint could be made).
        alive = requests.get(base + "/v1/products", headers={"Authorization": f"Bearer {FAKE_KEY}"}, timeout=5)
        result = _counts(answers, problems, elapsed)
        result["serving_after"] = alive.status_code == 200
        result["deliveries"] = len(fake.deliveries)
        return result


def _fake_objects(client) -> list[str]:
    """Real ids to aim at: the guide's products, prices and tax rate, a customer with a card, an open session."""
    products = client.v1.products.list({"limit": 10}).data
    prices = client.v1.prices.list({"limit": 10}).data
    rate = client.v1.tax_rates.list().data[0]
    customer = client.v1.customers.create({"email": "fuzz@example.com"})
    recurring = next(p for p in prices if p.recurring)
    session = client.v1.checkout.sessions.create({
        "mode": "subscription", "success_url": "http://127.0.0.1:9/ok", "customer": customer.id,
        "line_items": [{"price": recurring.id, "quantity": 1, "tax_rates": [rate.id]}]})
    return [p.id for p in products] + [p.id for p in prices] + [rate.id, customer.id, session.id]


def run_platform(cases: int, random_seed: int = 13) -> dict:
    """Fuzz the platform's pages and probe over HTTP (werkzeug, as `serve` runs it), Stripe being the fake."""
    from platform_adapter import create_app
    from platform_adapter.config import Settings
    from simulator.fake_stripe import FakeStripe
    from simulator.delivery.receiver import serving

    password, token, webhook_secret = "fuzz-admin-password-0123", "fuzz-probe-token-0123", "whsec_fuzz_0123456789"
    fake = FakeStripe(seed="guide", api_key=FAKE_KEY, time_scale=0)
    with ExitStack() as stack:
        stripe_base = stack.enter_context(fake.serving())
        stack.callback(fake.close)
        data_dir = stack.enter_context(tempfile.TemporaryDirectory())
        app = create_app(Settings(admin_password=password, probe_token=token, stripe_secret_key=FAKE_KEY,
                                  webhook_secret=webhook_secret, stripe_api_base=stripe_base, stripe_max_retries=0,
                                  stripe_timeout_s=3, data_dir=data_dir, sqlite_synchronous="NORMAL"))
        store = app.extensions["platform_adapter"].store
        stack.callback(store.close)
        base = stack.enter_context(serving(app))
        http = stack.enter_context(requests.Session())
        http.trust_env = False
        auth = {"Authorization": f"Bearer {token}"}
        probe = base + "/api/v6/integrations/stripe/conformance"
        refs = [requests.post(probe + "/accounts", json={"email": f"fuzz{n}@example.com", "id": f"acct-fuzz-{n}"},
                              headers=auth, timeout=10).json()["id"] for n in range(3)]
        loaded = requests.post(probe + "/catalogue/load", headers=auth, timeout=20).json()["products"]
        prices = [p["id"] for product in loaded for p in product.get("prices", []) if "id" in p]
        paths = sorted({(method, str(rule).replace("<ref>", "<ref>")) for rule in app.url_map.iter_rules()
                        for method in rule.methods - {"HEAD", "OPTIONS"} if rule.endpoint != "static"})
        paths = [(m, p.replace("<path:filename>", "<id>")) for m, p in paths]

        def send(request):
            return fuzz_http.send(http, base, request, lambda: fuzz_http.platform_fingerprint(store),
                                  (password, webhook_secret, FAKE_KEY))

        answers, problems, elapsed = _drive(fuzz_http.platform_requests(paths, token, refs, prices), send, cases,
                                            random_seed)
        result = _counts(answers, problems, elapsed)
        result["serving_after"] = requests.get(probe + "/events?limit=1", headers=auth, timeout=5).status_code == 200
        return result


def command(run, description: str, argv: list[str] | None = None) -> int:
    """The `benchmarks/fuzz_*.py` command around `run(cases, seed)`: prints the counts; 1 on any problem."""
    import argparse
    import json
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    result = run(args.cases, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['cases']} cases in {result['seconds']} s: by kind {result['by_kind']}")
        print(f"by status {result['by_status']}")
        print(f"5xx {result['status_5xx']}, hangs (no answer in 5 s) {result['hangs']}, closed without an answer "
              f"{result['closed_without_answer']}, slowest {result['slowest_s']} s")
        print(f"forged {result['forged']}, state changes from them {result['state_changes_forged']}; "
              f"serving after: {result['serving_after']}")
        for problem in result["problems"]:
            print("problem:", problem)
    return 1 if result["problem_count"] or not result["serving_after"] else 0
