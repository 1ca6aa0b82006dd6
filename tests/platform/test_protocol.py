"""Protocol edges on the platform (werkzeug, as `serve` runs it) and the fake Stripe (its keep-alive server):
414 for a request line over 64 KiB, 431 for a header line over it or too many headers, and a GET carrying a
body gets its answer and then its connection closed, so the body is never read as a next request."""

import pytest
import requests
from werkzeug.serving import make_server

from platform_adapter import create_app
from platform_adapter.config import Settings
from simulator.fake_stripe import FakeStripe
from simulator.delivery.receiver import serving
from tests.support.rawhttp import exchange, statuses
from tests.support.sim import sim_auth

from .support import SECRET, TOKEN

LONG_LINE = b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
LONG_HEADER = b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_" + b"a" * 70000 + b"\r\n\r\n"
MANY_HEADERS = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 200 + b"\r\n"
SMUGGLED = b"GET /_sim/reset HTTP/1.1\r\nHost: x\r\n\r\n"
GET_WITH_BODY = (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)) + SMUGGLED


@pytest.fixture(params=["platform", "fake"])
def server(request, tmp_path):
    """The platform under werkzeug's threaded server (as `serve`), or the fake Stripe's own server."""
    if request.param == "fake":
        fake = FakeStripe(seed="guide")
        with fake.serving() as base:
            yield base, fake
        fake.close()
        return
    app = create_app(Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                              data_dir=str(tmp_path / "data")))
    with serving(app) as base:
        yield base, None
    app.extensions["platform_adapter"].store.close()


@pytest.mark.parametrize("data, status", [(LONG_LINE, 414), (LONG_HEADER, 431), (MANY_HEADERS, 431)])
def test_oversized_request_lines_and_headers_are_answered_not_dropped(server, data, status):
    base, _ = server
    received, closed, took = exchange(base, data)
    assert statuses(received) == [status], received[:300]
    assert closed and took < 5


def test_a_get_with_a_body_is_answered_and_its_connection_closed(server):
    base, fake = server
    received, closed, _ = exchange(base, GET_WITH_BODY)
    assert len(statuses(received)) == 1 and closed, received[:300]
    if fake is not None:  # the body, a helper call, never ran
        assert len(list(fake.state.store.all("product"))) == 3


def test_the_werkzeug_server_serve_uses_answers_414(tmp_path):
    """`serve` runs make_server(threaded=True): the same checks hold there."""
    app = create_app(Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET,
                              data_dir=str(tmp_path / "data")))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    import threading
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert statuses(exchange(base, LONG_LINE)[0]) == [414]
        assert statuses(exchange(base, LONG_HEADER)[0]) == [431]
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        app.extensions["platform_adapter"].store.close()


def test_a_key_header_over_the_limit_is_431_from_the_fake_so_the_probe_says_refused_not_unreachable(tmp_path):
    fake = FakeStripe(seed="guide")
    with fake.serving() as stripe_base:
        app = create_app(Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                                  stripe_api_base=stripe_base, stripe_max_retries=0,
                                  data_dir=str(tmp_path / "data")))
        try:
            with serving(app) as base:
                answer = requests.post(base + "/api/v6/integrations/stripe/conformance/configuration/check",
                                       json={"publishableKey": "pk_test_1", "secretKey": "sk_test_" + "a" * 70000,
                                             "webhookSecret": "whsec_1"},
                                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20)
                assert answer.status_code == 400, answer.text[:300]
                assert answer.json()["error"]["fields"] == {"secretKey": "too_long"}
            huge = "Bearer sk_test_" + "a" * 70000  # straight at the fake: answered 431, not dropped
            assert requests.get(stripe_base + "/v1/products", headers={"Authorization": huge},
                                timeout=5).status_code == 431
        finally:
            app.extensions["platform_adapter"].store.close()
    fake.close()


@pytest.mark.parametrize("data", [
    b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
    b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
    b"POST /v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"NONSENSE\r\n\r\n"])
def test_the_fake_answers_broken_framing_and_closes(data):
    fake = FakeStripe(seed="empty")
    with fake.serving() as base:
        received, closed, took = exchange(base, data)
        assert statuses(received) and statuses(received)[0] in (400, 413), received[:300]
        assert closed and took < 5
        assert requests.get(base + "/v1/products", headers=sim_auth(), timeout=5).status_code == 200
    fake.close()
