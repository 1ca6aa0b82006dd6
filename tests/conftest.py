"""Suite-wide guards: no test may leave a thread running that would keep pytest from exiting."""

import threading
import time

import pytest

LEFTOVER_GRACE_S = 10  # a thread told to stop may need a moment on a busy machine
# Threads started by module- or session-scoped fixtures: their own teardown stops them, later.
_shared_threads: set[threading.Thread] = set()


# An event loop's default executor threads (Playwright's loop makes them lazily, mid-test) end with the loop.
LOOP_EXECUTOR_PREFIX = "asyncio_"


def _non_daemon_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and not t.daemon and t is not threading.main_thread()
            and not t.name.startswith(LOOP_EXECUTOR_PREFIX)}


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Note the threads a fixture wider than one test starts: they may outlive the test that first used it."""
    before = _non_daemon_threads()
    try:
        return (yield)
    finally:
        if fixturedef.scope != "function":
            _shared_threads.update(_non_daemon_threads() - before)


@pytest.fixture(autouse=True)
def no_leftover_threads():
    """Fail the test that leaves a non-daemon thread running: Python waits for those at exit, so pytest would hang."""
    before = _non_daemon_threads()
    yield
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    left = _non_daemon_threads() - before - _shared_threads
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {t for t in left if t.is_alive()}
    if left:
        pytest.fail(f"the test left non-daemon thread(s) running: {sorted(t.name for t in left)}", pytrace=False)
