"""Secrets at rest: the saved Stripe keys are sealed with Fernet, never in the database file in clear."""

import logging
import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.errors import ConfigError
from platform_adapter.sealing import KEY_FILE, PREFIX, load_keyring
from platform_adapter.storage import Store
from simplex_stripe.cli import main

from .support import ADMIN_PASSWORD, PUBLISHABLE_KEY, SECRET_KEY

WEBHOOK_SECRET = "whsec_front_signing_secret_9876"
SESSION_SECRET = "an-old-clear-session-secret-made-by-the-previous-version"


def database_bytes(folder: Path) -> bytes:
    """Every byte SQLite keeps for the database: the file, its write-ahead log and shared memory."""
    return b"".join(path.read_bytes() for path in sorted(folder.glob("platform.sqlite3*")) if path.is_file())


def stored_raw(url: str) -> dict[str, str]:
    """platform_config as the database holds it, read without the platform."""
    store = Store(url)
    try:
        with store.read() as tx:
            return tx.config_values()
    finally:
        store.close()


def admin(data: Path, **extra) -> Settings:
    return Settings(admin_password=ADMIN_PASSWORD, data_dir=str(data), **extra)


def close(app) -> None:
    app.extensions["platform_adapter"].store.close()


def test_keys_saved_on_the_admin_page_are_not_in_the_database_file_in_clear(platform, tmp_path, caplog):
    platform.configure()  # saves the three keys, then loads the products with the saved secret key
    data = tmp_path / "data"
    everything = database_bytes(data)
    assert len(everything) > 10_000
    for secret in (SECRET_KEY, platform.webhook_secret, platform.app.secret_key):
        assert secret.encode() not in everything, secret
    raw = stored_raw(platform.state.store.url)
    assert raw["stripe_secret_key"].startswith(PREFIX) and raw["webhook_secret"].startswith(PREFIX)
    assert raw["stripe_publishable_key"] == PUBLISHABLE_KEY  # public: stored as it is
    key_file = data / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_text().strip())  # a Fernet key
    # Another start reads them back with the key file.
    again = create_app(admin(data))
    assert again.extensions["platform_adapter"].settings.stripe_secret_key == SECRET_KEY
    assert again.secret_key == platform.app.secret_key
    close(again)


def test_an_unencrypted_database_of_the_previous_version_is_encrypted_on_start(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'platform.sqlite3'}"
    old = Store(url)  # what the previous version left: the keys and the session secret in clear
    with old.write() as tx:
        tx.set_config({"stripe_publishable_key": PUBLISHABLE_KEY, "stripe_secret_key": SECRET_KEY,
                       "webhook_secret": WEBHOOK_SECRET, "session.secret": SESSION_SECRET,
                       "catalogue.loaded_at": "1700000000.0"}, 0)
    with old.write() as tx:  # rows after them in the page: SQLite would leave their old bytes in its free space
        tx.set_config({f"note.{n}": "x" * 50 for n in range(5)}, 0)
    old.close()
    assert SECRET_KEY.encode() in database_bytes(data)
    app = create_app(admin(data))
    close(app)
    everything = database_bytes(data)
    for secret in (SECRET_KEY, WEBHOOK_SECRET, SESSION_SECRET):
        assert secret.encode() not in everything, secret
    assert PUBLISHABLE_KEY.encode() in everything
    # The app still works with them: the webhook verifies with the migrated secret, the settings hold the keys.
    app = create_app(admin(data))
    state = app.extensions["platform_adapter"]
    assert (state.settings.stripe_secret_key, state.settings.webhook_secret) == (SECRET_KEY, WEBHOOK_SECRET)
    assert app.secret_key == SESSION_SECRET  # sessions signed before the upgrade stay valid
    close(app)
    logged = caplog.text
    assert "encrypted saved secret(s) stored in clear" in logged and "made a new encryption key file" in logged
    key = (data / KEY_FILE).read_text().strip()
    for secret in (key, SECRET_KEY, WEBHOOK_SECRET, SESSION_SECRET):
        assert secret not in logged


def test_rotation_reseals_with_the_newest_key_and_the_old_one_can_then_go(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    data = tmp_path / "data"
    first = create_app(admin(data, encryption_key=old_key))
    first.extensions["platform_adapter"].config.save_keys({"stripe_secret_key": SECRET_KEY,
                                                           "webhook_secret": WEBHOOK_SECRET}, 0)
    close(first)
    assert not (data / KEY_FILE).exists()  # the environment's key: no key file made
    rotating = create_app(admin(data, encryption_key=f"{new_key}, {old_key}"))
    close(rotating)
    assert "re-encrypted the saved secrets with the newest key from SIMPLEX_ENCRYPTION_KEY" in caplog.text
    after = create_app(admin(data, encryption_key=new_key))
    assert after.extensions["platform_adapter"].settings.webhook_secret == WEBHOOK_SECRET
    close(after)
    with pytest.raises(ConfigError, match="do not open the secrets saved in this database"):
        create_app(admin(data, encryption_key=old_key))
    for key in (old_key, new_key):
        assert key not in caplog.text


def test_a_key_file_of_several_keys_newest_first(tmp_path):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    data = tmp_path / "data"
    close(create_app(admin(data, encryption_key=old_key)))
    keys = tmp_path / "keys"
    keys.write_text(f"# newest first\n{new_key}\n\n{old_key}\n")
    keys.chmod(0o600)
    app = create_app(admin(data, encryption_key_file=str(keys)))
    close(app)
    close(create_app(admin(data, encryption_key=new_key)))  # resealed with the file's first key


@pytest.mark.parametrize("change, message", [
    pytest.param("wrong", "the encryption key(s) from SIMPLEX_ENCRYPTION_KEY do not open the secrets", id="wrong-key"),
    pytest.param("missing", "no SIMPLEX_ENCRYPTION_KEY, no SIMPLEX_ENCRYPTION_KEY_FILE and no", id="key-file-lost"),
    pytest.param("malformed", "SIMPLEX_ENCRYPTION_KEY: key 1 is not a Fernet key", id="not-a-key"),
    pytest.param("no-file", "SIMPLEX_ENCRYPTION_KEY_FILE names", id="no-such-file"),
])
def test_a_wrong_or_missing_key_is_one_line_at_start(tmp_path, change, message):
    data = tmp_path / "data"
    app = create_app(admin(data))
    app.extensions["platform_adapter"].config.save_keys({"stripe_secret_key": SECRET_KEY}, 0)
    close(app)
    env = {k: None for k in os.environ if k.startswith(("STRIPE_", "SIMPLEX_"))}
    env.update(SIMPLEX_ADMIN_PASSWORD=ADMIN_PASSWORD)
    if change == "wrong":
        env["SIMPLEX_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    elif change == "missing":
        (data / KEY_FILE).unlink()
    elif change == "malformed":
        env["SIMPLEX_ENCRYPTION_KEY"] = "sk_test_not_a_fernet_key"
    else:
        env["SIMPLEX_ENCRYPTION_KEY_FILE"] = str(tmp_path / "nowhere.key")
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(data), "--port", "0"], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert "not_a_fernet" not in result.output
    assert not (data / KEY_FILE).exists() or change != "missing"  # no new key made for a sealed database


def test_workers_starting_together_share_one_new_key_file(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        keys.append(load_keyring(None, None, str(tmp_path), may_create=True).seal("x"))
    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    opener = load_keyring(None, None, str(tmp_path), may_create=False)
    assert len(keys) == 8 and {opener.open(sealed) for sealed in keys} == {"x"}
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]  # no draft left behind


def test_both_key_settings_at_once_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="not both"):
        create_app(admin(tmp_path / "data", encryption_key=Fernet.generate_key().decode(),
                         encryption_key_file=str(tmp_path / "k")))
