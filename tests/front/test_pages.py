"""What every page shares: post/redirect/get for every form, error pages by Accept, the favicon."""

import pytest
import requests

from .support import SECRET_KEY

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_every_form_answers_with_a_redirect(platform):
    admin = platform.configure()
    prices = platform.guide_prices()
    customer = platform.web()
    customer.get("/account/login")
    forms = [(customer, "/account/login", {"email": "not-an-email"}, "/account/login"),
             (customer, "/account/login", {"email": "prg@example.com"}, "/account"),
             (customer, "/account/checkout", {"price": "price_nope"}, "/account"),
             (customer, "/account/checkout", {"price": prices["professional_1m_one_time"]}, "/c/pay/"),
             (customer, "/account/subscription/switch", {"subscription": "sub_x", "price": "price_nope"}, "/account"),
             (customer, "/account/auto-renewal/stop", {}, "/account"),
             (customer, "/account/logout", {}, "/account/login"),
             (admin, "/admin/stripe/keys", {"webhook_secret": "nope"}, "/admin/stripe"),
             (admin, "/admin/stripe/keys", {"stripe_secret_key": SECRET_KEY}, "/admin/stripe"),
             (admin, "/admin/stripe/products", {}, "/admin/stripe"),
             (admin, "/admin/stripe/test-event", {}, "/admin/stripe"),
             (admin, "/admin/logout", {}, "/admin/login")]
    for web, path, form, target in forms:
        response = web.post(path, form, allow_redirects=False)
        assert response.status_code == 303, (path, form, response.status_code)
        assert target in response.headers["Location"], (path, response.headers["Location"])
        web.get(response.headers["Location"]) if not target.startswith("/c/") else None
    wrong = platform.web()
    wrong.get("/admin/login")
    assert wrong.post("/admin/login", {"password": "wrong-password"}, allow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", ["/no-such-page", "/account/nope", "/admin/nope"])
def test_a_browser_gets_an_html_error_page_and_an_api_client_json(platform, path):
    page = requests.get(platform.base + path, headers=BROWSER, timeout=10)
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text and 'href="/static/site.css"' in page.text
    assert page.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in page.headers["Content-Security-Policy"]
    api = requests.get(platform.base + path, headers={"Accept": "application/json"}, timeout=10)
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert requests.get(platform.base + path, timeout=10).json()["error"]["code"] == "not_found"  # Accept: */*


def test_the_api_answers_json_even_to_a_browser(platform):
    for method, path in (("GET", "/api/v6/integrations/stripe/web-hooks"), ("GET", "/api/v6/nope")):
        response = requests.request(method, platform.base + path, headers=BROWSER, timeout=10)
        assert response.headers["Content-Type"].startswith("application/json") and "error" in response.json()


def test_wrong_method_on_a_page_is_an_html_page_for_a_browser(platform):
    response = requests.delete(platform.base + "/account/login", headers=BROWSER, timeout=10)
    assert response.status_code == 405 and "<h1>Not allowed here</h1>" in response.text


def test_favicon(platform):
    icon = requests.get(platform.base + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    assert 'rel="icon"' in platform.web().get("/account/login").text


def test_an_unexpected_failure_is_the_sites_500_page_for_a_browser_and_json_otherwise(tmp_path):
    from platform_adapter import create_app
    from platform_adapter.config import Settings

    app = create_app(Settings(admin_password="admin-password", data_dir=str(tmp_path)))

    def broken():
        raise RuntimeError("SELECT secret FROM accounts")  # a bug: nothing of it may reach the answer
    app.add_url_rule("/broken", "broken", broken)
    client = app.test_client()
    page = client.get("/broken", headers=BROWSER)
    assert page.status_code == 500 and page.content_type.startswith("text/html")
    assert "<h1>Something went wrong</h1>" in page.text and "SELECT" not in page.text
    api = client.get("/broken")
    assert api.status_code == 500 and api.json["error"]["code"] == "internal_server_error"
    assert "SELECT" not in api.text
    app.extensions["platform_adapter"].store.close()
