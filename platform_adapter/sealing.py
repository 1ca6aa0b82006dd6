"""Secrets at rest: saved values sealed with Fernet (`cryptography`), the keys from the environment or a key file.

SIMPLEX_ENCRYPTION_KEY holds one or more Fernet keys, newest first, separated by commas; else
SIMPLEX_ENCRYPTION_KEY_FILE names a file of keys, one a line, newest first; else the data folder's
`encryption.key` is used, made (mode 0600) on the first start of a database that holds no sealed value.
Values are sealed with the newest key and opened with any of them (MultiFernet), so a new key goes in
front and the old one stays until `StoredConfig.prepare` has resealed everything at start.
"""

import logging
import os
import stat
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .errors import ConfigError

log = logging.getLogger(__name__)
PREFIX = "fernet:"  # marks a sealed value; a value without it was stored in clear by an older version
KEY_FILE = "encryption.key"
KEY_ENV, KEY_FILE_ENV = "SIMPLEX_ENCRYPTION_KEY", "SIMPLEX_ENCRYPTION_KEY_FILE"


class Keyring:
    """The Fernet keys in force, newest first: seals with the newest, opens with any."""

    def __init__(self, keys: list[bytes], source: str) -> None:
        self.source = source
        self._newest = Fernet(keys[0])
        self._all = MultiFernet([Fernet(key) for key in keys])

    @staticmethod
    def is_sealed(stored: str) -> bool:
        """Whether a stored value is sealed (else it is a clear value of an older version)."""
        return stored.startswith(PREFIX)

    def seal(self, value: str) -> str:
        """The value sealed with the newest key, as stored."""
        return PREFIX + self._newest.encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        """The value of a sealed one (a clear one as it is); InvalidToken when no key opens it."""
        if not self.is_sealed(stored):
            return stored
        return self._all.decrypt(stored[len(PREFIX):].encode()).decode()

    def is_current(self, stored: str) -> bool:
        """Sealed with the newest key: nothing to do at start."""
        try:
            self._newest.decrypt(stored[len(PREFIX):].encode())
        except InvalidToken:
            return False
        return self.is_sealed(stored)


def parse_keys(text: str, where: str) -> list[bytes]:
    """Fernet keys from text (commas or lines; blank and # lines skipped), newest first; never echoes a key."""
    items = [item.strip() for line in text.splitlines() if not line.strip().startswith("#")
             for item in line.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{where} holds no encryption key")
    for n, item in enumerate(items, 1):
        try:
            Fernet(item.encode())
        except (ValueError, TypeError):
            raise ConfigError(f"{where}: key {n} is not a Fernet key (44 characters of url-safe base64; make one "
                              "with: python -c 'from cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())')") from None
    return [item.encode() for item in items]


def make_key_file(path: Path) -> bool:
    """Write a new key to `path` (mode 0600) unless one is there; False when another process was first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    draft = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, path)  # atomic and never replaces: workers starting together keep the first one's key
        return True
    except FileExistsError:
        return False
    finally:
        draft.unlink(missing_ok=True)


def _read_key_file(path: Path, where: str) -> list[bytes]:
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the encryption key file {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("encryption key file %s can be read by other users (mode %o): chmod 600 it", path,
                    stat.S_IMODE(mode))
    return parse_keys(text, where)


def load_keyring(encryption_key: str | None, key_file: str | None, data_dir: str, *,
                 may_create: bool) -> Keyring:
    """The keys in force: the environment's, a named key file's, or the data folder's (made when allowed)."""
    if encryption_key and key_file:
        raise ConfigError(f"set {KEY_ENV} or {KEY_FILE_ENV}, not both")
    if encryption_key:
        return Keyring(parse_keys(encryption_key, KEY_ENV), KEY_ENV)
    if key_file:
        path = Path(key_file)
        if not path.exists():
            raise ConfigError(f"{KEY_FILE_ENV} names {path}, which does not exist")
        return Keyring(_read_key_file(path, f"{KEY_FILE_ENV} {path}"), str(path))
    path = Path(data_dir).resolve() / KEY_FILE
    if not path.exists():
        if not may_create:
            raise ConfigError(f"the database holds secrets encrypted with a key this platform does not have: no "
                              f"{KEY_ENV}, no {KEY_FILE_ENV} and no {path}; give it the key they were saved with")
        if make_key_file(path):
            log.warning("made a new encryption key file %s (mode 0600) for the saved Stripe keys; back it up with "
                        "the database: without it they cannot be read", path)
    return Keyring(_read_key_file(path, str(path)), str(path))


def ephemeral_keyring() -> Keyring:
    """A key that lives as long as the process: for an in-memory database, which does too."""
    return Keyring([Fernet.generate_key()], "a key in memory (in-memory database)")
