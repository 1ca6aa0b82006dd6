"""Settings: the environment, read once into a frozen dataclass that the app factory consumes."""

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from .errors import ConfigError

DEFAULT_DATA_DIR = "simplex-data"  # ignored by git (.gitignore)
DATABASE_FILE = "platform.sqlite3"
MIB = 1024 * 1024

# Environment variable -> Settings field. Only this module and the CLI read os.environ.
ENVIRONMENT: dict[str, str] = {
    "STRIPE_SECRET_KEY": "stripe_secret_key",
    "STRIPE_PUBLISHABLE_KEY": "stripe_publishable_key",
    "STRIPE_WEBHOOK_SECRET": "webhook_secret",
    "STRIPE_API_BASE": "stripe_api_base",
    "SIMPLEX_DATA_DIR": "data_dir",
    "SIMPLEX_DATABASE_URL": "database_url",
    "SIMPLEX_PROBE_TOKEN": "probe_token",
    "SIMPLEX_LOG_LEVEL": "log_level",
    "SIMPLEX_LOG_FORMAT": "log_format",
    "SIMPLEX_SQLITE_SYNCHRONOUS": "sqlite_synchronous",
    "SIMPLEX_ADMIN_PASSWORD": "admin_password",
    "SIMPLEX_SESSION_SECRET": "session_secret",
    "SIMPLEX_PUBLIC_URL": "public_url",
    "SIMPLEX_TRUSTED_PROXIES": "trusted_proxies",
    "SIMPLEX_ENCRYPTION_KEY": "encryption_key",
    "SIMPLEX_ENCRYPTION_KEY_FILE": "encryption_key_file",
    "SIMPLEX_SESSION_IDLE_S": "session_idle_s",
    "SIMPLEX_SESSION_LIFETIME_S": "session_lifetime_s",
    "SIMPLEX_CUSTOMER_EMAIL_SIGNIN": "customer_email_signin",
    "SIMPLEX_REFETCH_EVENTS": "refetch_events",
}
REQUIRED = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
# The keys the admin page may save; a saved value wins over the environment's.
STORED_KEYS = ("stripe_publishable_key", "stripe_secret_key", "webhook_secret")


def sqlite_url(data_dir: str | os.PathLike) -> str:
    """The default database: a SQLite file inside the data folder."""
    return f"sqlite:///{Path(data_dir).resolve() / DATABASE_FILE}"


@dataclass(frozen=True)
class Settings:
    """Everything the platform needs to run; tests build it directly."""

    # Secrets stay out of repr(), so logging a Settings never prints them.
    stripe_secret_key: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    stripe_publishable_key: str | None = None
    stripe_api_base: str | None = None
    data_dir: str = DEFAULT_DATA_DIR
    database_url: str = ""
    probe_token: str | None = None
    signature_tolerance_s: int = 300
    max_body_bytes: int = MIB
    stripe_timeout_s: float = 10.0
    stripe_max_retries: int = 1
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line (platform_adapter.logs)
    sqlite_synchronous: str = "FULL"
    admin_password: str | None = field(default=None, repr=False)
    session_secret: str | None = field(default=None, repr=False)
    public_url: str | None = None
    stored_config_ttl_s: float = 2.0
    # How many proxies in front of the platform append to X-Forwarded-For (0: the header is not trusted).
    trusted_proxies: int = 0
    # Fernet key(s) sealing the saved secrets, newest first (comma-separated); else read from a key file.
    encryption_key: str | None = field(default=None, repr=False)
    encryption_key_file: str | None = None
    # A signed-in session ends after this long unused, and this long after sign-in at the latest.
    session_idle_s: float = 1800.0
    session_lifetime_s: float = 43200.0
    # Customers sign in with an e-mail address alone, which proves nothing: off unless explicitly enabled.
    customer_email_signin: bool = False
    # Re-fetch mode: each handled event's object is retrieved from Stripe and its latest state is what counts.
    refetch_events: bool = False

    def __post_init__(self) -> None:
        # Without an admin password nobody could save the keys later, so they must be given now.
        keys_later = bool(self.admin_password)
        if (self.webhook_secret is None and not keys_later) or (self.webhook_secret is not None
                                                                and not self.webhook_secret.strip()):
            raise ConfigError("STRIPE_WEBHOOK_SECRET is empty: copy the endpoint's signing secret (whsec_…)")
        if (self.stripe_secret_key is None and not keys_later) or (self.stripe_secret_key is not None
                                                                   and not self.stripe_secret_key.strip()):
            raise ConfigError("STRIPE_SECRET_KEY is empty: copy the secret key (sk_test_… or sk_live_…)")
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"SIMPLEX_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.admin_password is not None and len(self.admin_password) < 8:
            raise ConfigError("SIMPLEX_ADMIN_PASSWORD must have at least 8 characters")
        if not self.database_url:
            object.__setattr__(self, "database_url", sqlite_url(self.data_dir))
        object.__setattr__(self, "trusted_proxies", _proxies(self.trusted_proxies))
        for name in ("session_idle_s", "session_lifetime_s"):
            object.__setattr__(self, name, _seconds(name, getattr(self, name)))
        object.__setattr__(self, "customer_email_signin", _switch(self.customer_email_signin))
        object.__setattr__(self, "refetch_events", _switch(self.refetch_events, "SIMPLEX_REFETCH_EVENTS"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read the environment; keyword overrides (CLI flags) win when not None."""
        environ = os.environ if environ is None else environ
        missing = [name for name in REQUIRED if not environ.get(name, "").strip() and
                   overrides.get(ENVIRONMENT[name]) is None]
        admin = overrides.get("admin_password") or environ.get("SIMPLEX_ADMIN_PASSWORD", "").strip()
        if missing and not admin:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)} "
                              "(or set SIMPLEX_ADMIN_PASSWORD and save the keys on the admin page)")
        values = {attr: environ[name] for name, attr in ENVIRONMENT.items() if environ.get(name, "").strip()}
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def with_stored(self, stored: Mapping[str, str]) -> "Settings":
        """These settings with the keys saved on the admin page in place of the environment's."""
        saved = {name: value for name, value in stored.items() if name in STORED_KEYS and value}
        return replace(self, **saved) if saved else self

    @property
    def admin_enabled(self) -> bool:
        """The admin pages answer only when an admin password is configured."""
        return bool(self.admin_password)

    @property
    def probe_enabled(self) -> bool:
        """The conformance probe answers only when a token is configured."""
        return bool(self.probe_token)


def _seconds(name: str, value: float | str) -> float:
    """A positive number of seconds (SIMPLEX_SESSION_IDLE_S, SIMPLEX_SESSION_LIFETIME_S)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise ConfigError(f"SIMPLEX_{name.upper()} must be a positive number of seconds, not {value!r}")
    return seconds


def _switch(value: bool | str, name: str = "SIMPLEX_CUSTOMER_EMAIL_SIGNIN") -> bool:
    """An on/off setting (SIMPLEX_CUSTOMER_EMAIL_SIGNIN, SIMPLEX_REFETCH_EVENTS): on (1, true, on, yes) or off
    (0, false, off, no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no", ""):
        return False
    raise ConfigError(f"{name} must be on or off, not {value!r}")


def _proxies(value: int | str) -> int:
    """SIMPLEX_TRUSTED_PROXIES as a small count of proxies."""
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = -1
    if not 0 <= count <= 10:
        raise ConfigError(f"SIMPLEX_TRUSTED_PROXIES must be a number of proxies from 0 to 10, not {value!r}")
    return count
