"""Fixtures for the scale tests: a PostgreSQL server of their own, the fake Stripe, and the 1,000-event workload."""

import hashlib

import pytest
import stripe

from tests.support.required import need
from tests.support.postgres import missing_reason, running_postgres

from .workload import Catalogue, Workload, build_workload

try:
    from simulator.fake_stripe import FakeStripe
except ImportError:  # built in parallel; the tests below say so instead of failing to collect
    FakeStripe = None


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL on 127.0.0.1 for the whole session (fsync off); skipped locally, required under CI=true."""
    reason = missing_reason()
    need(reason is None, reason or "")
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server) -> str:
    """The SQLAlchemy URL of a database on the session's server (postgresql+psycopg://…@127.0.0.1:port/db)."""
    return postgres_server.create_database("simplex_scale")


@pytest.fixture
def fresh_postgres_url(postgres_server, request) -> str:
    """A new, empty database for one test."""
    cleaned = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())
    # PostgreSQL cuts names at 63 bytes: long test ids differing only at the end need their digest.
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:8]
    return postgres_server.create_database(f"t_{cleaned[:40]}_{digest}")


@pytest.fixture(scope="session")
def catalogue():
    """The fake Stripe with the guide's catalogue, serving on 127.0.0.1; the platform resolves prices through it."""
    need(FakeStripe is not None, "fake Stripe not available")
    fake = FakeStripe(seed="guide")
    with fake.serving() as base:
        yield Catalogue.from_fake(stripe.StripeClient("sk_test_scale", base_addresses={"api": base}), base)


@pytest.fixture(scope="session")
def workload(catalogue) -> Workload:
    """1,000 events over 100 accounts and what in-order single delivery makes of them (built once)."""
    return build_workload(catalogue)
