"""Reads a Stripe account's configuration through the SDK and checks it against the guide."""

from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import stripe

from .catalogue.loader import TaxRateView, fetch_tax_rates, load_catalogue
from .catalogue.rules import CatalogueReport

WEBHOOK_PATH = "/api/v6/integrations/stripe/web-hooks"
REQUIRED_EVENTS = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
                   "customer.subscription.deleted")


@dataclass(frozen=True)
class EndpointCheck:
    """One webhook endpoint whose URL path is the platform's."""

    id: str
    url: str
    status: str
    api_version: str | None
    missing_events: tuple[str, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass
class Audit:
    """Everything the doctor found."""

    catalogue: CatalogueReport
    tax_rates: list[TaxRateView]
    endpoints: list[EndpointCheck]
    other_endpoints: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every rule holds."""
        return self.catalogue.ok and not self.problems and all(not e.problems for e in self.endpoints)

    def as_json(self) -> dict:
        """`simplex-stripe doctor --json`'s object: one casing, Stripe's (snake_case, as in the nested objects)."""
        return {
            "ok": self.ok, "error": None, "problems": self.problems,
            "products": [{**asdict(p), "valid": p.valid} for p in self.catalogue.products],
            "tax_rates": [asdict(r) for r in self.tax_rates],
            "webhook_endpoints": [asdict(e) for e in self.endpoints],
            "other_webhook_endpoints": self.other_endpoints,
        }


def client_for(api_key: str, api_base: str | None = None,
               timeout: float | tuple[float, float] = 80) -> stripe.StripeClient:
    """An SDK client for real test mode, the fake Stripe or stripe-mock; no retries, `timeout` per request."""
    options = {"base_addresses": {"api": api_base}} if api_base else {}
    return stripe.StripeClient(api_key, max_network_retries=0, http_client=stripe.RequestsClient(timeout=timeout),
                               **options)



def guide_path(url: str) -> bool:
    """Whether a URL's path is the guide's webhook path (a trailing slash aside)."""
    return urlsplit(url).path.rstrip("/") == WEBHOOK_PATH


def check_endpoint(endpoint: dict) -> EndpointCheck:
    """The guide's rules for the platform's webhook endpoint."""
    events = set(endpoint.get("enabled_events") or [])
    missing = () if "*" in events else tuple(e for e in REQUIRED_EVENTS if e not in events)
    problems, warnings = [], []
    if not guide_path(endpoint["url"]):
        problems.append(f"path is {urlsplit(endpoint['url']).path or '/'}; the guide's path is {WEBHOOK_PATH}")
    if endpoint.get("status") != "enabled":
        problems.append(f"endpoint is {endpoint.get('status')}; enable it")
    if missing:
        problems.append(f"not subscribed to {', '.join(missing)}")
    if urlsplit(endpoint["url"]).scheme != "https":
        warnings.append("URL is not https; Stripe requires https in live mode")
    if not endpoint.get("api_version"):
        warnings.append("api_version is unset: payloads follow the account's default version")
    return EndpointCheck(id=endpoint["id"], url=endpoint["url"], status=endpoint.get("status", ""),
                         api_version=endpoint.get("api_version"), missing_events=missing,
                         problems=tuple(problems), warnings=tuple(warnings))


def audit(client: stripe.StripeClient, webhook_url: str | None = None) -> Audit:
    """Check products, tax rates and webhook endpoints; Stripe errors propagate to the caller."""
    catalogue = load_catalogue(client)
    rates = fetch_tax_rates(client)
    endpoints, others = [], []
    for ep in client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter():
        data = ep.to_dict()
        # The platform's endpoint: the URL given, else any with the guide's path; its path is checked either way.
        matches = data["url"].rstrip("/") == webhook_url.rstrip("/") if webhook_url else guide_path(data["url"])
        (endpoints.append(check_endpoint(data)) if matches else others.append(data["url"]))
    result = Audit(catalogue=catalogue, tax_rates=rates, endpoints=endpoints, other_endpoints=others)
    if not catalogue.offered:
        result.problems.append("no valid product: customers have nothing to buy")
    if not rates:
        result.problems.append("no active tax rate: the guide applies a tax rate to every purchase")
    elif len(rates) > 1:
        # Checkout puts every active rate on the line: two rates of one kind make Stripe refuse every session.
        result.problems.append(f"{len(rates)} active tax rates ({', '.join(r.id for r in rates)}): the platform "
                               "applies every active rate to each purchase; keep exactly one active")
    if not endpoints:
        target = webhook_url or f"https://<your-domain>{WEBHOOK_PATH}"
        result.problems.append(f"no webhook endpoint for {target}")
    return result
