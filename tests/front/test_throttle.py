"""Admin sign-in throttling, brute-forced over HTTP against the platform served on 127.0.0.1."""

import logging
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError
from platform_adapter.schema import throttle_table
from platform_adapter.throttle import ALL_ADDRESSES, PER_ADDRESS, Rule
from simulator.delivery.receiver import serving

from .support import ADMIN_PASSWORD, Web

JSON = {"Accept": "application/json"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def browser(base: str) -> Web:
    """A client that asks for pages as a browser does (requests alone asks for */*, which gets JSON)."""
    web = Web(base)
    web.session.headers["Accept"] = BROWSER_ACCEPT
    return web


@pytest.fixture
def served(tmp_path):
    """serve(**settings) -> (base URL, app): platforms on one SQLite file, as several workers would share it."""
    with ExitStack() as stack:
        def serve(**extra):
            app = create_app(Settings(admin_password=ADMIN_PASSWORD, data_dir=str(tmp_path / "data"), **extra))
            stack.callback(app.extensions["platform_adapter"].store.close)
            return stack.enter_context(serving(app)), app
        yield serve


def attempt(web: Web, password: str, **kw):
    """One sign-in from a browser that read the form first (so it has a CSRF token)."""
    web.get("/admin/login")
    return web.post("/admin/login", {"password": password}, allow_redirects=False, **kw)


def counters(app) -> dict[str, int]:
    with app.extensions["platform_adapter"].store.read() as tx:
        return {row.scope: row.failures for row in tx.conn.execute(select(throttle_table))}


def test_the_delay_doubles_from_the_fifth_failure_up_to_its_ceiling():
    assert [PER_ADDRESS.delay(n) for n in range(1, 9)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert PER_ADDRESS.delay(10_000) == PER_ADDRESS.max_s == 900
    assert ALL_ADDRESSES.delay(49) == 0 and ALL_ADDRESSES.delay(50) == 1 and ALL_ADDRESSES.delay(999) == 300
    assert Rule(after=1, base_s=0.5, max_s=3).delay(3) == 2


@pytest.mark.slow  # waits out real delays of 1, 2 and 4 s
def test_brute_force_is_throttled_the_right_password_waits_too_and_success_resets(served, caplog):
    caplog.set_level(logging.WARNING)
    base, app = served()
    web = browser(base)
    for _ in range(4):
        wrong = attempt(web, "guess-wrong-password")
        assert wrong.status_code == 303 and "Retry-After" not in wrong.headers
    fifth = attempt(web, "guess-wrong-password")
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "1"
    assert "Wrong password. Too many failed sign-ins: wait 1 s" in fifth.text and 'name="password"' in fifth.text
    # A burst while blocked: answered 429 unchecked, nothing counted. Timing-proof on a busy machine: an
    # attempt that arrives after the wait is checked (its message says "Wrong password.") and counted.
    burst = [attempt(web, "guess-again") for _ in range(5)]
    assert all(r.status_code == 429 for r in burst)
    failures = 5 + sum("Wrong password." in r.text for r in burst)
    assert failures <= 6 and counters(app)["address:127.0.0.1"] == failures
    waits = [int(burst[-1].headers["Retry-After"])]
    while waits[-1] < 4:  # wait it out, fail again: the delay doubles
        time.sleep(waits[-1] + 0.05)
        failed = attempt(web, "guess-wrong-password")
        failures += 1
        assert failed.status_code == 429 and "Wrong password." in failed.text
        waits.append(int(failed.headers["Retry-After"]))
        assert waits[-1] == 2 ** (failures - 5) and counters(app)["address:127.0.0.1"] == failures
    assert waits[-2:] == [2, 4]
    right = attempt(web, ADMIN_PASSWORD)  # within the 4 s: refused unchecked
    assert right.status_code == 429 and "Location" not in right.headers and "Wrong password." not in right.text
    assert web.get("/admin/stripe").url.endswith("/admin/login")  # not signed in
    assert counters(app)["address:127.0.0.1"] == failures
    time.sleep(waits[-1] + 0.05)
    signed_in = attempt(web, ADMIN_PASSWORD)
    assert signed_in.status_code == 303 and signed_in.headers["Location"].endswith("/admin/stripe")
    assert "address:127.0.0.1" not in counters(app)  # a success clears the address's counter
    again = attempt(Web(base), "guess-wrong-password")
    assert again.status_code == 303  # counted from zero again
    throttled = [r for r in caplog.records if "sign-in throttled" in r.getMessage()]
    assert throttled and all(r.levelno == logging.WARNING for r in throttled)
    assert "127.0.0.1" in throttled[0].getMessage()
    for secret in ("guess-wrong-password", "guess-again", ADMIN_PASSWORD):
        assert secret not in caplog.text


def test_api_clients_get_json_and_every_worker_sees_the_same_counters(served):
    base, _ = served()
    other_worker, _ = served()
    web = Web(base)
    for _ in range(5):
        attempt(web, "guess-wrong-password", headers=JSON)
    elsewhere = Web(other_worker)
    # Wrong again: 429 whether or not the 1 s wait has passed (the 6th failure waits 2 s), never 303.
    refused = attempt(elsewhere, "guess-wrong-password", headers=JSON)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Content-Type"].startswith("application/json")
    error = refused.json()["error"]
    assert error["code"] == "too_many_attempts" and error["retry_after"] == int(refused.headers["Retry-After"])


def test_forwarded_for_counts_only_behind_trusted_proxies(served):
    base, _ = served()
    web = Web(base)
    for n in range(5):  # a client cannot escape its counter by inventing addresses
        attempt(web, "guess-wrong-password", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert attempt(web, "guess-wrong-password", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429
    proxied, app = served(trusted_proxies=1)
    behind = Web(proxied)
    for _ in range(5):
        attempt(behind, "guess-wrong-password", headers={"X-Forwarded-For": "198.51.100.7"})
    assert attempt(behind, "guess-wrong-password", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert attempt(Web(proxied), ADMIN_PASSWORD, headers={"X-Forwarded-For": "198.51.100.8"}).status_code == 303
    assert counters(app)["address:198.51.100.7"] == 5


def test_failures_from_many_addresses_throttle_every_address(served):
    base, app = served(trusted_proxies=1)
    web = Web(base)
    for n in range(ALL_ADDRESSES.after - 1):
        assert attempt(web, "guess-wrong-password", headers={"X-Forwarded-For": f"10.0.{n}.1"}).status_code == 303
    last = attempt(web, "guess-wrong-password", headers={"X-Forwarded-For": "10.1.0.1"})
    assert last.status_code == 429
    fresh = attempt(Web(base), "guess-wrong-password", headers={"X-Forwarded-For": "192.0.2.1"})
    assert fresh.status_code == 429  # its first failure: the overall counter throttles it
    assert counters(app)["overall"] == ALL_ADDRESSES.after


@pytest.mark.parametrize("value", ["-1", "many", "11"])
def test_trusted_proxies_must_be_a_small_count(value, tmp_path):
    with pytest.raises(ConfigError, match="SIMPLEX_TRUSTED_PROXIES"):
        Settings.from_env({"SIMPLEX_ADMIN_PASSWORD": ADMIN_PASSWORD, "SIMPLEX_TRUSTED_PROXIES": value},
                          data_dir=str(tmp_path))
    assert Settings.from_env({"SIMPLEX_ADMIN_PASSWORD": ADMIN_PASSWORD, "SIMPLEX_TRUSTED_PROXIES": "2"},
                             data_dir=str(tmp_path)).trusted_proxies == 2
