"""The settings in force: the environment's, overlaid with the keys saved on the admin page.

Saved values live in the `platform_config` table so every worker sees them; each worker re-reads
the table at most every `stored_config_ttl_s` seconds (and at once after saving itself). The secret
ones are sealed with Fernet (`sealing`); `prepare` checks the keys and seals or reseals them at start.
"""

import logging
import secrets
import threading
import time
from typing import Callable

from cryptography.fernet import InvalidToken
from sqlalchemy.exc import SQLAlchemyError

from .config import STORED_KEYS, Settings
from .database import sqlite_path
from .errors import ConfigError
from .facts import Keys
from .sealing import KEY_ENV, Keyring, ephemeral_keyring, load_keyring
from .storage import Store

log = logging.getLogger(__name__)
SESSION_SECRET = "session.secret"
LOADED_AT = "catalogue.loaded_at"
SEALED = ("stripe_secret_key", "webhook_secret", SESSION_SECRET)
# A known text sealed with the newest key: at start it tells whether the keys given open this database,
# before any saved key is needed (and even when none is saved yet).
CHECK, CHECK_TEXT = "encryption.check", "simplex-stripe sealed settings"
LOCK = Keys(ref="platform-config")  # one worker at a time seals at start (PostgreSQL; SQLite's write lock does)


def keyring_for(settings: Settings, *, may_create: bool) -> Keyring:
    """The keys of these settings (a key in memory for an in-memory database, which nothing outlives)."""
    if not settings.encryption_key and not settings.encryption_key_file and settings.database_url.startswith(
            "sqlite") and sqlite_path(settings.database_url) is None:
        return ephemeral_keyring()
    return load_keyring(settings.encryption_key, settings.encryption_key_file, settings.data_dir,
                        may_create=may_create)


def _wrong_keys(keyring: Keyring) -> ConfigError:
    return ConfigError(f"the encryption key(s) from {keyring.source} do not open the secrets saved in this "
                       f"database: give the key they were saved with ({KEY_ENV}=new,old while rotating)")


def _drop_old_copies(store: Store) -> None:
    """After sealing clear values: drop the copies the database still keeps of the rows they were in.

    SQLite: the write-ahead log may hold older pages; a checkpoint copies the newest into the file and
    empties the log. PostgreSQL: an UPDATE leaves the old row version in the table's file until a
    vacuum; VACUUM FULL rewrites the (small) table without it.
    """
    try:
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif store.engine.dialect.name == "postgresql":
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM FULL platform_config")
    except SQLAlchemyError as exc:  # the values are sealed either way; only old copies stay a while
        log.warning("could not drop the old copies of the clear values (%s): they go with the next %s",
                    type(exc).__name__, "checkpoint" if store.engine.dialect.name == "sqlite" else "vacuum")


class StoredConfig:
    """The environment's Settings with the saved keys in place; `current()` is cheap enough per request."""

    def __init__(self, settings: Settings, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.base, self.store, self.monotonic = settings, store, monotonic
        self.keyring: Keyring | None = None  # set by prepare()
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._settings = settings
        self._read_at: float | None = None

    def prepare(self, now: float) -> None:
        """At start: check the keys open this database, seal values stored in clear, reseal those of older keys."""
        with self.store.write() as tx:
            tx.lock_keys(LOCK)
            raw = tx.config_values()
            keyring = keyring_for(self.base, may_create=not any(
                Keyring.is_sealed(raw.get(name, "")) for name in (CHECK, *SEALED)))
            try:
                if CHECK in raw and keyring.open(raw[CHECK]) != CHECK_TEXT:
                    raise InvalidToken
                changed = {name: keyring.seal(keyring.open(raw[name])) for name in SEALED
                           if name in raw and not keyring.is_current(raw[name])}
            except InvalidToken:
                raise _wrong_keys(keyring) from None
            if CHECK not in raw or not keyring.is_current(raw[CHECK]):
                changed[CHECK] = keyring.seal(CHECK_TEXT)
            clear = sorted(name for name in changed if name in raw and not Keyring.is_sealed(raw[name]))
            if clear and tx.dialect == "sqlite":
                tx.conn.exec_driver_sql("PRAGMA secure_delete=ON")  # zero the clear values' old bytes
            tx.set_config(changed, now)
            if clear and tx.dialect == "sqlite":
                tx.conn.exec_driver_sql("PRAGMA secure_delete=OFF")
        self.keyring = keyring
        if clear:
            _drop_old_copies(self.store)
            log.warning("encrypted saved secret(s) stored in clear by an earlier version: %s", ", ".join(clear))
        if any(name in raw and Keyring.is_sealed(raw[name]) for name in changed):
            log.info("re-encrypted the saved secrets with the newest key from %s", keyring.source)
        self._refresh()

    def _refresh(self) -> None:
        with self.store.read() as tx:
            values = self._opened(tx.config_values())
        with self._lock:
            self._values = values
            self._settings = self.base.with_stored(values)
            self._read_at = self.monotonic()

    def _opened(self, raw: dict[str, str]) -> dict[str, str]:
        """Stored values with the sealed ones opened."""
        if self.keyring is None:
            raise ConfigError("StoredConfig.prepare() was not called")
        raw.pop(CHECK, None)
        try:
            return {name: self.keyring.open(value) if name in SEALED else value for name, value in raw.items()}
        except InvalidToken:  # another worker resealed them with a key this one lacks
            raise _wrong_keys(self.keyring) from None

    def current(self) -> Settings:
        """The settings in force now."""
        read_at = self._read_at
        if read_at is None or self.monotonic() - read_at >= self.base.stored_config_ttl_s:
            self._refresh()
        return self._settings

    def stored(self) -> dict[str, str]:
        """Every stored value (fresh from the database)."""
        self._refresh()
        return dict(self._values)

    def source(self, name: str) -> str | None:
        """Where key `name` comes from: 'saved' (admin page), 'environment', or None when unset."""
        if self.stored().get(name):
            return "saved"
        return "environment" if getattr(self.base, name) else None

    def save_keys(self, values: dict[str, str], now: float) -> Settings:
        """Store keys (already validated by `keys.check_keys`); returns the new settings in force."""
        unknown = set(values) - set(STORED_KEYS)
        if unknown:
            raise ValueError(f"not a stored key: {', '.join(sorted(unknown))}")
        sealed = {name: self.keyring.seal(value) if name in SEALED else value for name, value in values.items()}
        with self.store.write() as tx:
            tx.set_config(sealed, now)
        self._refresh()
        return self._settings

    def session_secret(self, now: float) -> str:
        """The secret that signs session cookies: configured, or made once and shared through the database."""
        if self.base.session_secret:
            return self.base.session_secret
        with self.store.write() as tx:
            stored = tx.config_once(SESSION_SECRET, self.keyring.seal(secrets.token_urlsafe(48)), now)
        return self._opened({SESSION_SECRET: stored})[SESSION_SECRET]
