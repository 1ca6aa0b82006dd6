"""Admin security on PostgreSQL: sign-in throttling counted exactly across workers racing on one database, and
the saved Stripe keys sealed, with no clear copy left in the table's file."""

import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy import select, text

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError
from platform_adapter.schema import throttle_table
from platform_adapter.sealing import PREFIX
from platform_adapter.storage import Store
from simulator.delivery.receiver import serving

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
        for _ in range(2):  # two apps, two engines, one database and data folder: as two worker processes
            app = create_app(Settings(admin_password=PASSWORD, database_url=fresh_postgres_url,
                                      data_dir=str(tmp_path / "data")))
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


def table_file_bytes(server, url: str, table: str) -> bytes:
    """The bytes of a table's main file on the server's disk, after a checkpoint has written them there."""
    store = Store(url)
    try:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CHECKPOINT"))
            relative = conn.execute(text("SELECT pg_relation_filepath(:t)"), {"t": table}).scalar_one()
    finally:
        store.close()
    return b"".join(path.read_bytes() for path in (server.data_dir / relative).parent.glob(
        (server.data_dir / relative).name + "*"))


def test_clear_keys_of_the_previous_version_are_sealed_on_postgres(postgres_server, fresh_postgres_url, tmp_path):
    secret_key, webhook_secret = "sk_test_postgres_clear_key_4242", "whsec_postgres_clear_secret_77"
    old = Store(fresh_postgres_url)  # as the previous version saved them: in clear
    with old.write() as tx:
        tx.set_config({"stripe_secret_key": secret_key, "webhook_secret": webhook_secret}, 0)
    old.close()
    assert secret_key.encode() in table_file_bytes(postgres_server, fresh_postgres_url, "platform_config")
    settings = Settings(admin_password=PASSWORD, database_url=fresh_postgres_url, data_dir=str(tmp_path / "data"))
    app = create_app(settings)
    state = app.extensions["platform_adapter"]
    assert (state.settings.stripe_secret_key, state.settings.webhook_secret) == (secret_key, webhook_secret)
    state.store.close()
    reader = Store(fresh_postgres_url)
    with reader.read() as tx:
        raw = tx.config_values()
    reader.close()
    assert raw["stripe_secret_key"].startswith(PREFIX) and raw["webhook_secret"].startswith(PREFIX)
    on_disk = table_file_bytes(postgres_server, fresh_postgres_url, "platform_config")
    assert secret_key.encode() not in on_disk and webhook_secret.encode() not in on_disk
    # Another host without the key file: one clear error at start, not a failing request later.
    with pytest.raises(ConfigError, match="no SIMPLEX_ENCRYPTION_KEY"):
        create_app(Settings(admin_password=PASSWORD, database_url=fresh_postgres_url,
                            data_dir=str(tmp_path / "other-host")))
