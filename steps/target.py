"""Where the features run: the embedded reference platform with the fake Stripe, or a deployed platform."""

import importlib
import secrets
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

import stripe

from .errors import TargetError
from .probe import Probe

WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"
DEFAULT_FACTORY = "platform_adapter:create_app"


@dataclass
class Target:
    """A platform under test and what the harness may use to drive it."""

    name: str
    base_url: str
    webhook_secret: str
    probe: Probe
    stripe_client: stripe.StripeClient | None = None
    stripe_api_base: str | None = None
    stripe_api_key: str | None = None
    controls_clock: bool = False
    details: dict = field(default_factory=dict)

    @property
    def webhook_url(self) -> str:
        """The guide's webhook URL on this platform."""
        return self.base_url.rstrip("/") + WEBHOOK_PATH


@dataclass(frozen=True)
class TargetOptions:
    """Command-line options that choose and configure the target."""

    target: str = "embedded"
    webhook_secret: str | None = None
    probe_token: str | None = None
    stripe_api_base: str | None = None
    stripe_api_key: str | None = None
    platform_factory: str = DEFAULT_FACTORY

    @property
    def embedded(self) -> bool:
        """Whether the harness starts the platform itself."""
        return self.target == "embedded"


def load_factory(spec: str) -> Callable:
    """Import `module:function`, the callable that builds the platform's WSGI app from Settings."""
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name or "create_app")
    except (ImportError, AttributeError) as exc:
        raise TargetError(f"--platform-factory {spec!r} cannot be imported: {exc}") from exc


def stripe_client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    """An SDK client for real test mode, the fake Stripe or stripe-mock."""
    options = {"base_addresses": {"api": api_base}} if api_base else {}
    return stripe.StripeClient(api_key, max_network_retries=0, **options)


@contextmanager
def embedded_target(factory: str = DEFAULT_FACTORY) -> Iterator[Target]:
    """The reference platform (fresh SQLite) and the fake Stripe (guide seed), both on 127.0.0.1."""
    from platform_adapter.config import Settings
    from simulator.fake_stripe import FakeStripe
    from simulator.delivery.receiver import serving

    build = load_factory(factory)
    token, webhook_secret = secrets.token_hex(16), "whsec_" + secrets.token_hex(24)
    key = "sk_test_" + secrets.token_hex(12)
    with ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="simplex-conformance-"))
        stripe_base = stack.enter_context(FakeStripe(seed="guide", api_key=key).serving())
        settings = Settings(stripe_secret_key=key, stripe_publishable_key="pk_test_" + key[8:],
                            webhook_secret=webhook_secret, stripe_api_base=stripe_base,
                            probe_token=token, data_dir=data_dir)
        app = build(settings)
        stack.callback(_close, app)
        base = stack.enter_context(serving(app))
        yield Target("embedded", base, webhook_secret, Probe(base, token), stripe_client(key, stripe_base),
                     stripe_base, key, controls_clock=True)


def _close(app) -> None:
    state = getattr(app, "extensions", {}).get("platform_adapter")
    if state is not None:
        state.store.close()


def deployed_target(options: TargetOptions) -> Target:
    """A platform someone else runs; checked for the options it needs."""
    parts = urlsplit(options.target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"--target {options.target!r}: use 'embedded' or the platform's base URL (https://host)")
    if not options.webhook_secret or not options.webhook_secret.startswith("whsec_"):
        raise TargetError("--webhook-secret whsec_… (the platform's webhook signing secret) is required")
    if not options.probe_token:
        raise TargetError("--probe-token is required (the platform's SIMPLEX_PROBE_TOKEN)")
    if bool(options.stripe_api_key) != bool(options.stripe_api_base) and not options.stripe_api_key:
        raise TargetError("--stripe-api-base needs --stripe-api-key")
    client = stripe_client(options.stripe_api_key, options.stripe_api_base) if options.stripe_api_key else None
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return Target(base, base, options.webhook_secret, Probe(base, options.probe_token), client,
                  options.stripe_api_base, options.stripe_api_key, controls_clock=False)
