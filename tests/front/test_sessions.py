"""Sessions that end: sign-out, idle and absolute lifetimes, a password change and "Sign out everyone" end them
server-side, so a copied cookie replayed afterwards is worth nothing; e-mail-only customer sign-in is off by default."""

import requests

from platform_adapter import create_app, sessions
from platform_adapter.config import Settings
from platform_adapter.schema import accounts, web_sessions_table
from simulator.delivery.receiver import serving

from .support import ADMIN_PASSWORD, Web


def replay(web: Web, path: str, method: str = "GET", data: dict | None = None, *, cookies=None) -> requests.Response:
    """The same request from another client that holds a copy of the cookie (`cookies`: one taken earlier)."""
    thief = requests.Session()
    thief.cookies.update(cookies if cookies is not None else web.session.cookies)
    return thief.request(method, web.base + path, data=data, allow_redirects=False, timeout=10)


def copied(web: Web) -> dict:
    """A copy of the client's cookies as they are now."""
    return web.session.cookies.get_dict()


def test_a_replayed_admin_cookie_after_sign_out_is_redirected_to_sign_in(platform):
    web = platform.web()
    web.admin_login()
    stolen, token = copied(web), web.token
    assert replay(web, "/admin/stripe", cookies=stolen).status_code == 200  # the copy works while the session holds
    web.post("/admin/logout")
    answer = replay(web, "/admin/stripe", cookies=stolen)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/login")
    saved = replay(web, "/admin/stripe/keys", "POST", {"csrf_token": token, "webhook_secret": "whsec_stolen"},
                   cookies=stolen)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/admin/login")
    assert "webhook_secret" not in platform.state.config.stored()


def test_a_replayed_customer_cookie_after_sign_out_changes_nothing(platform):
    web = platform.web()
    web.customer_login("kept@example.com")
    stolen, token = copied(web), web.token
    assert replay(web, "/account", cookies=stolen).status_code == 200
    web.post("/account/logout")
    answer = replay(web, "/account", cookies=stolen)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/login")
    stop = replay(web, "/account/auto-renewal/stop", "POST", {"csrf_token": token}, cookies=stolen)
    assert stop.status_code == 303 and stop.headers["Location"].endswith("/account/login")


def test_idle_and_absolute_lifetimes_end_a_session(platform, monkeypatch):
    settings = platform.state.settings
    clock = [sessions.now()]
    monkeypatch.setattr(sessions, "now", lambda: clock[0])
    idle, old = platform.web(), platform.web()
    idle.admin_login()
    old.admin_login()
    clock[0] += settings.session_idle_s - 5
    assert replay(idle, "/admin/stripe").status_code == 200
    clock[0] += settings.session_idle_s + 1  # unused for longer than the idle lifetime
    assert replay(idle, "/admin/stripe").status_code == 302
    old.admin_login()
    signed_in, answers = clock[0], []
    while clock[0] - signed_in <= settings.session_lifetime_s:  # used every half idle lifetime, but too long
        clock[0] += settings.session_idle_s / 2
        answers.append((clock[0] - signed_in, replay(old, "/admin/stripe").status_code))
    assert all(status == 200 for age, status in answers if age <= settings.session_lifetime_s), answers
    assert answers[-1][1] == 302, answers


def test_a_changed_admin_password_ends_every_admin_session(platform, tmp_path):
    web = platform.web()
    web.admin_login()
    changed = Settings(admin_password="another-admin-password", data_dir=str(tmp_path / "data"),
                       customer_email_signin=True)
    app = create_app(changed)  # the same database, hence the same session secret, a new password
    try:
        with serving(app) as base:
            thief = requests.Session()
            thief.cookies.update(copied(web))
            assert thief.get(platform.base + "/admin/stripe", allow_redirects=False, timeout=10).status_code == 200
            assert thief.get(base + "/admin/stripe", allow_redirects=False, timeout=10).status_code == 302
    finally:
        app.extensions["platform_adapter"].store.close()


def test_sign_out_everyone_ends_admin_and_customer_sessions(platform):
    admin, customer = platform.web(), platform.web()
    customer.customer_login("everyone@example.com")
    admin.admin_login()
    admin_cookie = copied(admin)
    assert replay(customer, "/account").status_code == 200
    assert admin.post("/admin/sessions/end-all", allow_redirects=False).status_code == 303
    assert replay(customer, "/account").status_code == 302
    assert replay(admin, "/admin/stripe", cookies=admin_cookie).status_code == 302
    assert "Every session was ended" in admin.get("/admin/login").text
    with platform.state.store.read() as tx:
        assert tx.count(web_sessions_table) == 0


def test_the_database_holds_no_usable_cookie(platform):
    web = platform.web()
    web.admin_login()
    cookie = web.session.cookies.get("simplex_session")
    with platform.state.store.read() as tx:
        rows = list(tx.conn.execute(web_sessions_table.select()))
    assert len(rows) == 1 and rows[0].role == "admin" and rows[0].id not in cookie
    assert ADMIN_PASSWORD not in rows[0].mark


def test_customer_email_sign_in_is_off_unless_enabled(tmp_path):
    app = create_app(Settings(admin_password=ADMIN_PASSWORD, data_dir=str(tmp_path / "data")))
    try:
        with serving(app) as base:
            web = Web(base)
            assert web.get("/account/login").status_code == 404
            assert "SIMPLEX_CUSTOMER_EMAIL_SIGNIN" in web.pages[-1]
            assert web.post("/account/login", {"email": "anyone@example.com"}, allow_redirects=False).status_code == 404
            with app.extensions["platform_adapter"].store.read() as tx:
                assert tx.count(accounts) == 0
    finally:
        app.extensions["platform_adapter"].store.close()
