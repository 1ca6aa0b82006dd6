"""`simplex-stripe demo`: the fake Stripe and the reference platform together, and a customer's year in a minute.

A customer signs in on Account Settings, presses Subscribe, pays on the fake's hosted Checkout page,
renews (the fake's clock moves a month), changes plan (through the API, as Stripe's customer portal
would) and stops auto-renewal; the account's state is printed after each step.
"""

import re
import secrets
import shutil
import signal
import tempfile
import threading
from contextlib import ExitStack

import click
import requests
import stripe
from cryptography.fernet import Fernet

from platform_adapter import create_app
from platform_adapter.accounts import AccountState
from platform_adapter.config import Settings
from platform_adapter.errors import PlatformError
from platform_adapter.keys import check_keys, mask
from platform_adapter.catalogue.loader import load_products
from platform_adapter.stripe_audit import REQUIRED_EVENTS
from platform_adapter.web import SIMULATED_CLOCK, date
from platform_adapter.webhooks import WEBHOOK_PATH
from simulator.fake_stripe import FakeStripe
from simulator.api.server import running

from .errors import UsageProblem

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CUSTOMER = "demo.customer@example.com"
DELIVERY_TIMEOUT_S = 15
DAY = 86400


class Late:
    """The platform's WSGI app, assigned once its URL (for the webhook endpoint) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class Browser:
    """The customer's side, in plain HTTP: the forms a person would submit, CSRF token included."""

    def __init__(self, base: str) -> None:
        self.base, self.http, self.token = base, requests.Session(), ""

    def get(self, path: str) -> requests.Response:
        """Open a page of the platform."""
        response = self.http.get(self.base + path, timeout=20)
        self._token(response)
        return response

    def submit(self, url: str, form: dict) -> requests.Response:
        """Submit a form with the last page's CSRF token; a 4xx/5xx ends the demo."""
        response = self.http.post(url if url.startswith("http") else self.base + url,
                                  data={"csrf_token": self.token, **form}, timeout=20)
        self._token(response)
        if response.status_code >= 400:
            raise UsageProblem(f"{url} answered {response.status_code}")
        return response

    def _token(self, response: requests.Response) -> None:
        found = CSRF.search(response.text)
        self.token = found.group(1) if found else self.token


def _serve(stack: ExitStack, app, port: int) -> str:
    # The fake's small threaded server: unlike werkzeug's it raises on a busy port instead of exiting.
    try:
        host, bound = stack.enter_context(running(app, "127.0.0.1", port))
    except OSError as exc:
        raise UsageProblem(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    return f"http://{host}:{bound}"


def _configure(state, publishable: str, secret: str, webhook_secret: str) -> None:
    """Save the keys (same validation as the admin page) and load the products."""
    result = check_keys({"stripe_publishable_key": publishable, "stripe_secret_key": secret,
                         "webhook_secret": webhook_secret}, {})
    state.config.save_keys(result.values, state.clock())
    catalogue = load_products(state)
    click.echo(f"keys saved         {publishable}, {mask(secret)}, {mask(webhook_secret)}")
    click.echo(f"products loaded    {len(catalogue.offered)} offered: "
               + ", ".join(p.name for p in catalogue.offered))


def _show(state, fake: FakeStripe, step: str) -> None:
    """One line of account state; `active` is judged at the fake Stripe's (advanced) clock."""
    assert fake.wait_for_deliveries(DELIVERY_TIMEOUT_S), "webhook deliveries did not finish"
    with state.store.read() as tx:
        row = tx.account_by_email(CUSTOMER)
    account = AccountState(row.account_type, row.paid_until, bool(row.auto_renew), row.subscription_id)
    click.echo(f"{step:<24}{account.account_type or '—':<13} {'active' if account.active(fake.now) else 'inactive':<9}"
               f"paid until {date(account.paid_until):<21} auto-renewal {'on' if account.auto_renew else 'off'}")


def _walk(state, fake: FakeStripe, client: stripe.StripeClient, base: str) -> None:
    """First purchase, renewal, plan change, cancellation."""
    prices = {p.lookup_key: p.id for p in client.v1.prices.list({"limit": 100}).data if p.lookup_key}
    browser = Browser(base)
    browser.get("/account/login")
    browser.submit("/account/login", {"email": CUSTOMER})
    click.echo(f"\ncustomer {CUSTOMER} signs in on Account Settings")
    checkout = browser.submit("/account/checkout", {"price": prices["professional_1m_recurring"], "currency": "usd"})
    if "/c/pay/" not in checkout.url:
        raise UsageProblem("Subscribe did not lead to the hosted Checkout page")
    browser.http.post(checkout.url, data={"card": "4242 4242 4242 4242", "email": CUSTOMER, "name": "Demo Customer"},
                      timeout=20)
    _show(state, fake, "first purchase")
    subscription = client.v1.subscriptions.list({"limit": 1}).data[0]
    fake.advance(to=subscription["items"].data[0].current_period_end + 3600)
    _show(state, fake, "renewal (+1 month)")
    # Days pass between the steps: Stripe's events carry whole seconds, and the platform orders two
    # updates of one subscription by their `created` time.
    fake.advance(seconds=3 * DAY)
    item = client.v1.subscriptions.retrieve(subscription.id)["items"].data[0]
    client.v1.subscriptions.update(subscription.id, {"items": [{"id": item.id,
                                                                "price": prices["business_1m_recurring"]}]})
    _show(state, fake, "plan change → business")
    fake.advance(seconds=3 * DAY)
    browser.get("/account")
    browser.submit("/account/auto-renewal/stop", {})
    _show(state, fake, "auto-renewal stopped")
    end = client.v1.subscriptions.retrieve(subscription.id)["items"].data[0].current_period_end
    fake.advance(to=end + 3600)
    _show(state, fake, "period over")


@click.command()
@click.option("--serve", is_flag=True, help="Keep both running afterwards for a person to click through (Ctrl-C).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Platform port (default: a free one).")
@click.option("--stripe-port", type=click.IntRange(0, 65535), default=0, help="Fake Stripe port (default: a free one).")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Keep the platform's SQLite database here "
              "(default: a temporary folder, removed at exit).")
@click.option("--admin-password", help="Password of the admin pages (default: a new random one, printed).")
@click.option("--probe-token", help="Also enable the conformance probe with this bearer token.")
@click.option("--no-walk", is_flag=True, help="Skip the customer walk-through (with --serve: start fresh).")
def demo(serve: bool, port: int, stripe_port: int, data_dir: str | None, admin_password: str | None,
         probe_token: str | None, no_walk: bool) -> None:
    """Run the fake Stripe (seed `guide`) and the platform on 127.0.0.1 and walk a customer through the guide."""
    password = admin_password or secrets.token_urlsafe(12)
    secret, publishable = f"sk_test_demo_{secrets.token_hex(12)}", f"pk_test_demo_{secrets.token_hex(12)}"
    with ExitStack() as stack:
        folder = data_dir or tempfile.mkdtemp(prefix="simplex-demo-")
        if not data_dir:
            stack.callback(shutil.rmtree, folder, True)
        # A random id seed: the endpoint's signing secret must not be the one every default fake makes.
        fake = FakeStripe(seed="guide", api_key=secret, id_seed=secrets.token_hex(8))
        try:
            stripe_base = stack.enter_context(fake.serving(port=stripe_port))
        except OSError as exc:
            raise UsageProblem(f"cannot listen on 127.0.0.1:{stripe_port}: {exc.strerror or exc}") from None
        late = Late()
        base = _serve(stack, late, port)
        client = stripe.StripeClient(secret, base_addresses={"api": stripe_base})
        endpoint = client.v1.webhook_endpoints.create({"url": base + WEBHOOK_PATH, "enabled_events": list(REQUIRED_EVENTS),
                                                       "api_version": stripe.api_version})
        try:
            # The platform judges "active" at the fake's clock, which the walk-through moves ahead, and its
            # pages say so: what a person sees when clicking through agrees with the printout.
            late.app = create_app(Settings(admin_password=password, stripe_api_base=stripe_base, data_dir=folder,
                                           probe_token=probe_token, customer_email_signin=True,
                                           # a key in memory for the throwaway folder: no key file to warn about
                                           encryption_key=Fernet.generate_key().decode()),
                                  clock=lambda: fake.now)
            late.app.config[SIMULATED_CLOCK] = True
        except PlatformError as exc:
            raise UsageProblem(exc.message) from None
        state = late.app.extensions["platform_adapter"]
        stack.callback(state.store.close)
        click.echo(f"fake Stripe        {stripe_base} (seed guide, webhook endpoint {endpoint.id})")
        click.echo(f"platform           {base} (SQLite in {folder})")
        _configure(state, publishable, secret, endpoint.secret)
        click.echo(f"Account Settings   {base}/account  (sign in with any e-mail address)")
        click.echo(f"Stripe config      {base}/admin/stripe  (admin password: {password})")
        if probe_token:
            click.echo(f"conformance probe  {base}/api/v6/integrations/stripe/conformance")
        if not no_walk:
            _walk(state, fake, client, base)
        if serve:
            click.echo("\nserving; pay with 4242 4242 4242 4242 (4000 0000 0000 0002 is declined). Ctrl-C stops.")
            # SIGTERM (service managers, `timeout`) stops as cleanly as Ctrl-C: the temporary folder goes too.
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
