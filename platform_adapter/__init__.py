"""The reference platform: the webhook endpoint, account updater, storage, conformance probe and its pages.

Never imports `simulator`: the conformance harness must be able to test any platform.
"""

import json
import logging
import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from flask import Flask, render_template, send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import account_pages, admin_pages, probe, web, webhooks
from .catalogue.cache import CatalogueCache
from .config import Settings
from .errors import PlatformError, Unauthorized
from .storage import Store
from .stored_config import StoredConfig
from .faults import Faults
from .stripe_gateway import StripeClients, StripeGateway, StripeSdkGateway

log = logging.getLogger(__name__)


def system_clock() -> float:
    """Now, looked up at each call so freezegun's patched time.time() is seen."""
    return time.time()


@dataclass
class PlatformState:
    """What the views share, kept in app.extensions["platform_adapter"]."""

    config: StoredConfig
    store: Store
    gateway: StripeGateway
    catalogue: CatalogueCache
    clock: Callable[[], float]
    clients: StripeClients
    faults: Faults = field(default_factory=Faults)  # the probe's fault switch

    @property
    def settings(self) -> Settings:
        """The settings in force: the environment's, with the keys saved on the admin page."""
        return self.config.current()


def error_response(error: PlatformError):
    """A PlatformError as JSON with its HTTP status (an HTML page for a browser outside the API)."""
    if error.http_status >= 500:
        log.error("%s: %s", type(error).__name__, error.message)
    if web.wants_html():
        return web.error_page(error.http_status, error.message)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else {}
    return error.to_dict(), error.http_status, headers


def http_error_response(error: HTTPException):
    """Werkzeug's HTTP errors (404, 405, 413, …): JSON for API clients, an HTML page for a browser."""
    if web.wants_html():
        return web.error_page(error.code or 500, error.description or "")
    code = (error.name or "error").lower().replace(" ", "_")
    response = error.get_response()
    response.set_data(json.dumps({"error": {"code": code, "message": error.description}}))
    response.content_type = "application/json"
    return response


def favicon():
    """/favicon.ico, which browsers ask for on every page: the site's SVG icon."""
    return send_from_directory(os.path.join(os.path.dirname(__file__), "static"), "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


def home():
    """The start page: links to Account Settings and the admin pages."""
    return render_template("home.html", title="Start")


def create_app(settings: Settings | None = None, *, store: Store | None = None,
               gateway: StripeGateway | None = None, clock: Callable[[], float] | None = None) -> Flask:
    """The app factory: environment -> Settings -> app; tests pass settings, store and gateway in."""
    settings = settings or Settings.from_env()
    own_store, clock = store is None, clock or system_clock
    store = store or Store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous.upper())
    config = StoredConfig(settings, store)
    try:
        config.prepare(clock())  # a wrong or missing encryption key stops the start here, not a request later
    except PlatformError:
        if own_store:
            store.close()
        raise
    clients = StripeClients(config.current)
    gateway = gateway or StripeSdkGateway(clients)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.trusted_proxies:
        # The client's address (sign-in throttling, logs) from X-Forwarded-For, as the last N proxies saw it;
        # without trusted proxies a client could pick any address it likes by sending the header itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)
    app.extensions["platform_adapter"] = PlatformState(config, store, gateway, CatalogueCache(store, gateway, clock),
                                                       clock, clients)
    app.register_error_handler(PlatformError, error_response)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_blueprint(webhooks.bp)
    if settings.probe_enabled:
        app.register_blueprint(probe.bp)
    web.init_app(app, config.session_secret(clock()), secure_cookies=(settings.public_url or "").startswith("https:"))
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(account_pages.bp)
    return app


def create_refetch_app(settings: Settings | None = None, **parts) -> Flask:
    """The app in re-fetch mode, whatever the environment says (`conformance --platform-factory` uses it)."""
    return create_app(replace(settings or Settings.from_env(), refetch_events=True), **parts)
