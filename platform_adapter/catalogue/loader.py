"""The product loader: fetch the catalogue through the SDK, apply the guide's rules, store the result.

The result replaces the stored catalogue as a whole, and every price's product metadata is written
to `stripe_catalogue`, the table the webhook reads price -> (accountType, interval) from: one source.
"""

import json
import logging
from dataclasses import asdict, dataclass, field

import stripe

from ..config import Settings
from ..storage import Store
from ..stored_config import LOADED_AT
from ..stripe_gateway import calling_stripe
from .rules import CatalogueReport, PriceView, ProductCheck, check_catalogue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaxRateView:
    """One active tax rate."""

    id: str
    display_name: str
    percentage: float
    inclusive: bool


@dataclass
class Catalogue:
    """The loaded products (valid or not) and the active tax rates, as last stored."""

    products: list[ProductCheck] = field(default_factory=list)
    tax_rates: list[TaxRateView] = field(default_factory=list)
    loaded_at: float | None = None

    @property
    def offered(self) -> list[ProductCheck]:
        """The products customers may buy: those that break no rule."""
        return [p for p in self.products if p.valid]


@dataclass(frozen=True)
class Fetched:
    """What Stripe answered: the checked catalogue and each price's product metadata."""

    catalogue: Catalogue
    price_products: list[tuple[str, str, dict]]  # (price, product, product metadata)


def fetch_catalogue(client: stripe.StripeClient) -> tuple[list[dict], dict[str, list[dict]]]:
    """Every active product and each one's active prices, following pagination."""
    products = [p.to_dict() for p in client.v1.products.list({"active": True, "limit": 100}).auto_paging_iter()]
    prices: dict[str, list[dict]] = {p["id"]: [] for p in products}
    # currency_options is returned only when expanded; the customer page offers every currency.
    listing = client.v1.prices.list({"active": True, "limit": 100, "expand": ["data.currency_options"]})
    for price in listing.auto_paging_iter():
        product = price.product if isinstance(price.product, str) else price.product.id
        if product in prices:
            prices[product].append(price.to_dict())
    return products, prices


def load_catalogue(client: stripe.StripeClient) -> CatalogueReport:
    """The product loader: fetch, then apply the guide's rules."""
    return check_catalogue(*fetch_catalogue(client))


def fetch_tax_rates(client: stripe.StripeClient) -> list[TaxRateView]:
    """Every active tax rate, following pagination."""
    return [TaxRateView(r.id, r.display_name, float(r.percentage), bool(r.inclusive))
            for r in client.v1.tax_rates.list({"active": True, "limit": 100}).auto_paging_iter()]


def fetch(client: stripe.StripeClient, settings: Settings) -> Fetched:
    """List active products, prices (every page) and tax rates, and apply the guide's rules."""
    with calling_stripe("list products, prices and tax rates", settings):
        products, prices = fetch_catalogue(client)
        rates = fetch_tax_rates(client)
    metadata = {p["id"]: dict(p.get("metadata") or {}) for p in products}
    links = [(price["id"], product, metadata[product]) for product, listed in prices.items() for price in listed]
    return Fetched(Catalogue(check_catalogue(products, prices).products, rates), links)


def store_catalogue(store: Store, fetched: Fetched, now: float) -> Catalogue:
    """Replace the stored catalogue with a fetched one, in one transaction."""
    rows = [{"product_id": p.id, "position": i, "valid": p.valid, "data": json.dumps(asdict(p))}
            for i, p in enumerate(fetched.catalogue.products)]
    rates = [{"id": r.id, "position": i, "display_name": r.display_name, "percentage": r.percentage,
              "inclusive": r.inclusive} for i, r in enumerate(fetched.catalogue.tax_rates)]
    with store.write() as tx:
        tx.replace_catalogue(rows, rates, now)
        for price, product, metadata in fetched.price_products:
            tx.remember_price(price, product, metadata, now)
        tx.set_config({LOADED_AT: repr(now)}, now)
    fetched.catalogue.loaded_at = now
    return fetched.catalogue


def load_products(state) -> Catalogue:
    """What the admin page's "Load products" does: fetch with the keys in force, then store."""
    settings = state.settings
    fetched = fetch(state.clients.get(), settings)
    catalogue = store_catalogue(state.store, fetched, state.clock())
    state.catalogue.forget()  # this worker re-reads the refreshed table; others within MEMORY_TTL_S
    log.info("loaded %d product(s), %d offered, %d tax rate(s)", len(catalogue.products), len(catalogue.offered),
             len(catalogue.tax_rates))
    return catalogue


def _product(data: dict) -> ProductCheck:
    prices = tuple(PriceView(**{**p, "problems": tuple(p["problems"]), "codes": tuple(p.get("codes") or ()),
                                "currency_options": tuple(tuple(o) for o in p.get("currency_options") or ())})
                   for p in data["prices"])
    return ProductCheck(**{**data, "prices": prices, "problems": tuple(data["problems"]),
                           "codes": tuple(data.get("codes") or ())})


def stored_catalogue(store: Store) -> Catalogue:
    """The catalogue as last loaded (empty before the first load)."""
    with store.read() as tx:
        products = [_product(json.loads(row.data)) for row in tx.loaded_products()]
        rates = [TaxRateView(r.id, r.display_name, r.percentage, bool(r.inclusive)) for r in tx.loaded_tax_rates()]
        loaded_at = tx.config_values().get(LOADED_AT)
    return Catalogue(products, rates, float(loaded_at) if loaded_at else None)


def product_json(product: ProductCheck) -> dict:
    """A product as the probe shows it; `problems` (and `problemCodes`) include its prices' (prefixed with their id)."""
    return {"id": product.id, "name": product.name, "accountType": product.account_type,
            "interval": product.interval, "valid": product.valid, "problems": product.all_problems(),
            "problemCodes": product.all_codes(),
            "prices": [{"id": v.id, "currency": v.currency, "unitAmount": v.unit_amount,
                        "type": "recurring" if v.recurring else "one_time",
                        "period": v.period if v.recurring else None, "problems": list(v.problems),
                        "problemCodes": list(v.codes)}
                       for v in product.prices]}
