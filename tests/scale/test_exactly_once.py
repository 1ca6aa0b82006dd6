"""Exactly once under concurrency: 1,000 events over 100 accounts, each delivered 3 times, shuffled, 16 at a time.

PostgreSQL serves `gunicorn -w 4`. SQLite runs the same load under 4 workers too: that is as far as
it goes (one host, one file; writers queue on a file lock, so more workers add no write throughput).
"""

import pytest

from platform_adapter.storage import Store

from .delivery import assert_exactly_once, create_accounts, fire
from .servers import gunicorn

# 3,000 deliveries to gunicorn workers: slow, and minutes on a busy machine
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

WORKERS = 4


def run_load(url: str, tmp_path, catalogue, workload, *, preload: bool = False) -> None:
    with gunicorn(url, WORKERS, tmp_path, catalogue.base, preload=preload) as server:
        create_accounts(server.probe, workload)
        report = fire(server.probe, workload)
        store = Store(url)
        try:
            assert_exactly_once(server.probe, store, workload, report)
        finally:
            store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("preload", [False, True], ids=["", "preload"])
def test_postgres_four_workers_apply_every_event_once(fresh_postgres_url, tmp_path, catalogue, workload, preload):
    """With --preload the app (and its first database connections) is made before the workers fork."""
    run_load(fresh_postgres_url, tmp_path, catalogue, workload, preload=preload)


def test_sqlite_four_workers_apply_every_event_once(tmp_path, catalogue, workload):
    run_load(f"sqlite:///{tmp_path / 'data' / 'platform.sqlite3'}", tmp_path, catalogue, workload)
