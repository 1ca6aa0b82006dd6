"""Server-side sign-in sessions: the cookie carries a random id, the database says whether it still holds.

A signed cookie alone cannot be ended: replayed after sign-out it would still work until the session
secret changed. Each sign-in stores a row (`web_sessions`, keyed by a hash of the id, so a database
leak holds no usable cookie); a request is signed in only while its row exists, was used within the
idle lifetime and is younger than the absolute one. Signing out deletes the row; the admin can delete
every row; an admin row also remembers a fingerprint of the admin password, so a changed password
ends every admin session.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from flask import current_app, session

from .web import start_session

SID = "sid"
TOUCH_EVERY_S = 60.0  # a session's last use is written at most once a minute (not a write per page)
ADMIN, CUSTOMER = "admin", "account"


def now() -> float:
    """Wall-clock time: lifetimes are real time even where the platform's clock is a simulation's (the demo)."""
    return time.time()


@dataclass(frozen=True)
class Current:
    """The signed-in session of this request: its role and, for a customer, the account reference."""

    role: str
    account: str | None


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_mark(state) -> str:
    """A fingerprint of the admin password in force (keyed by the session secret: no offline guessing)."""
    return hmac.new(str(current_app.secret_key).encode(), (state.settings.admin_password or "").encode(),
                    hashlib.sha256).hexdigest()


def sign_in(state, role: str, account: str | None = None) -> None:
    """A fresh cookie session (new CSRF token) and its row."""
    token, at = secrets.token_urlsafe(32), now()
    mark = password_mark(state) if role == ADMIN else ""
    with state.store.write() as tx:
        tx.add_web_session(_key(token), role, account, mark, at,
                           stale_before=at - state.settings.session_idle_s)
    start_session(**{SID: token, role: account if role == CUSTOMER else True})


def current(state, role: str) -> Current | None:
    """This request's session of `role` if its row holds (exists, not idle too long, not too old), else None."""
    token = session.get(SID)
    if not isinstance(token, str) or not token:
        return None
    settings, at = state.settings, now()
    with state.store.read() as tx:
        row = tx.web_session(_key(token))
    if row is None or row.role != role:
        return None
    expired = at - row.seen_at > settings.session_idle_s or at - row.created_at > settings.session_lifetime_s
    if expired or (role == ADMIN and not hmac.compare_digest(row.mark, password_mark(state))):
        end(state)
        return None
    if at - row.seen_at > TOUCH_EVERY_S:
        with state.store.write() as tx:
            tx.touch_web_session(row.id, at)
    return Current(row.role, row.account_ref)


def end(state) -> None:
    """Sign out: the row goes, so the cookie is worth nothing even if it was copied."""
    token = session.get(SID)
    if isinstance(token, str) and token:
        with state.store.write() as tx:
            tx.end_web_sessions(_key(token))
    session.clear()


def end_all(state) -> int:
    """End every session (admin and customers); returns how many there were."""
    with state.store.write() as tx:
        ended = tx.end_web_sessions(None)
    session.clear()
    return ended
