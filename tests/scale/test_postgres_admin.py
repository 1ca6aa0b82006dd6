"""Admin security on PostgreSQL: sign-in throttling counted exactly across workers racing on one database."""

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy import select

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.schema import throttle_table
from simulator.receiver import serving

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # slow: starts PostgreSQL
PASSWORD = "admin-password-for-postgres"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(base: str, password: str) -> requests.Response:
    """One sign-in attempt with its own session and CSRF token, as a JSON client."""
    with requests.Session() as session:
        token = CSRF.search(session.get(base + "/admin/login", timeout=20).text).group(1)
        return session.post(base + "/admin/login", data={"csrf_token": token, "password": password},
                            headers={"Accept": "application/json"}, allow_redirects=False, timeout=20)


def test_two_workers_racing_count_every_failure_once(fresh_postgres_url, tmp_path):
    with ExitStack() as stack:
        bases, apps = [], []
        for n in range(2):  # two apps, two engines, one database: as two worker processes
            app = create_app(Settings(admin_password=PASSWORD, database_url=fresh_postgres_url,
                                      data_dir=str(tmp_path / f"worker{n}")))
            stack.callback(app.extensions["platform_adapter"].store.close)
            apps.append(app)
            bases.append(stack.enter_context(serving(app)))
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda i: sign_in(bases[i % 2], f"guess-{i}"), range(24)))
        statuses = [a.status_code for a in answers]
        assert statuses.count(303) == 4 and statuses.count(429) == 20, statuses
        checked = 4 + sum(a.json()["error"]["message"].startswith("Wrong password.") for a in answers
                          if a.status_code == 429)
        with apps[0].extensions["platform_adapter"].store.read() as tx:
            rows = {row.scope: row.failures for row in tx.conn.execute(select(throttle_table))}
        assert rows["address:127.0.0.1"] == rows["overall"] == checked >= 5  # no failure lost to the race
        assert sign_in(bases[1], "guess-again").status_code == 429  # still waiting, whichever worker answers
