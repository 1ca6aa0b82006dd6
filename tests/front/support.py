"""Helpers for the front tests: a browser-like HTTP client that carries CSRF tokens, and the platform under test."""

import re
from dataclasses import dataclass, field

import requests
import stripe

from platform_adapter.probe import PROBE_PREFIX

ADMIN_PASSWORD = "admin-password-for-tests"
TOKEN = "front-probe-token"
SECRET_KEY = "sk_test_front_secret_key_4242"
PUBLISHABLE_KEY = "pk_test_front_publishable_1234"
FOUR = ["checkout.session.completed", "invoice.paid", "customer.subscription.updated", "customer.subscription.deleted"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    """A requests session that fills in the CSRF token of the last page it read, as a browser form would."""

    base: str
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""
    pages: list[str] = field(default_factory=list)

    def get(self, path: str, **kw) -> requests.Response:
        response = self.session.get(self.base + path, timeout=10, **kw)
        self._remember(response)
        return response

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kw) -> requests.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token)
        response = self.session.post(self.base + path, data=form, timeout=10, **kw)
        self._remember(response)
        return response

    def _remember(self, response: requests.Response) -> None:
        if "text/html" in response.headers.get("Content-Type", ""):
            self.pages.append(response.text)
            found = CSRF.search(response.text)
            if found:
                self.token = found.group(1)

    def admin_login(self, password: str = ADMIN_PASSWORD) -> requests.Response:
        self.get("/admin/login")
        return self.post("/admin/login", {"password": password})

    def customer_login(self, email: str) -> requests.Response:
        self.get("/account/login")
        return self.post("/account/login", {"email": email})


@dataclass
class Platform:
    """The platform served on 127.0.0.1, the fake Stripe it talks to, and an SDK client on that fake."""

    base: str
    app: object
    fake: object
    stripe_base: str
    client: stripe.StripeClient
    webhook_secret: str = ""

    @property
    def state(self):
        return self.app.extensions["platform_adapter"]

    def web(self) -> Web:
        return Web(self.base)

    def probe(self, method: str, path: str, token: str | None = TOKEN, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, self.base + PROBE_PREFIX + path, headers=headers, timeout=20, **kw)

    def configure(self, web: Web | None = None) -> Web:
        """Sign in as admin, save the three keys and load the products, as an operator following the guide."""
        web = web or self.web()
        web.admin_login()
        saved = web.post("/admin/stripe/keys", {"stripe_publishable_key": PUBLISHABLE_KEY,
                                                "stripe_secret_key": SECRET_KEY,
                                                "webhook_secret": self.webhook_secret})
        assert saved.status_code == 200 and "Saved." in saved.text, saved.text
        loaded = web.post("/admin/stripe/products")
        assert loaded.status_code == 200 and "Loaded" in loaded.text, loaded.text
        return web

    def account(self, email: str):
        """The stored account row for an e-mail address."""
        with self.state.store.read() as tx:
            return tx.account_by_email(email)

    def guide_prices(self) -> dict[str, str]:
        """lookup key stem -> price id, for the guide seed ('professional_1m_recurring', …)."""
        return {p.lookup_key: p.id for p in self.client.v1.prices.list({"limit": 100}).data if p.lookup_key}
