"""The settings in force: the environment's, overlaid with the keys saved on the admin page.

Saved values live in the `platform_config` table so every worker sees them; each worker re-reads
the table at most every `stored_config_ttl_s` seconds (and at once after saving itself).
"""

import secrets
import threading
import time
from typing import Callable

from .config import STORED_KEYS, Settings
from .storage import Store

SESSION_SECRET = "session.secret"
LOADED_AT = "catalogue.loaded_at"


class StoredConfig:
    """The environment's Settings with the saved keys in place; `current()` is cheap enough per request."""

    def __init__(self, settings: Settings, store: Store, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.base, self.store, self.monotonic = settings, store, monotonic
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._settings = settings
        self._read_at: float | None = None

    def _refresh(self) -> None:
        with self.store.read() as tx:
            values = tx.config_values()
        with self._lock:
            self._values = values
            self._settings = self.base.with_stored(values)
            self._read_at = self.monotonic()

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
        with self.store.write() as tx:
            tx.set_config(values, now)
        self._refresh()
        return self._settings

    def note(self, name: str, value: str, now: float) -> None:
        """Store a plain (non-key) value such as the catalogue's load time."""
        with self.store.write() as tx:
            tx.set_config({name: value}, now)
        self._refresh()

    def session_secret(self, now: float) -> str:
        """The secret that signs session cookies: configured, or made once and shared through the database."""
        if self.base.session_secret:
            return self.base.session_secret
        with self.store.write() as tx:
            return tx.config_once(SESSION_SECRET, secrets.token_urlsafe(48), now)
