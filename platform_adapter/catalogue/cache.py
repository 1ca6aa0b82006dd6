"""The catalogue cache: price -> product metadata, asked of Stripe once, then read from the catalogue table.

None of the four events carries product metadata, so price -> product -> metadata is looked up once and kept
in the catalogue table (and in memory); later events reuse it without a call.
"""

import json
import threading
import time
from typing import Callable

from ..facts import SessionLine
from ..storage import Store
from ..stripe_gateway import StripeGateway
from .rules import Invalid, Plan, plan_from_metadata

MEMORY_TTL_S = 60.0  # another worker's product loader may have refreshed the table meanwhile


class CatalogueCache:
    """Price -> product metadata, remembered in memory and in the catalogue table."""

    def __init__(self, store: Store, gateway: StripeGateway, clock: Callable[[], float],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store, self.gateway, self.clock, self.monotonic = store, gateway, clock, monotonic
        self._memory: dict[str, tuple[tuple[str, dict], float]] = {}
        self._lock = threading.Lock()

    def lookup(self, price_id: str, before_asking_stripe: Callable[[], None] = lambda: None) -> tuple[str, dict] | None:
        """(product id, product metadata) for a price; asks Stripe once, then reuses the answer."""
        with self._lock:
            remembered = self._memory.get(price_id)
        if remembered is not None and self.monotonic() - remembered[1] < MEMORY_TTL_S:
            return remembered[0]
        with self.store.read() as tx:
            row = tx.catalogue_entry(price_id)
        if row is not None:
            found = (row.product_id, json.loads(row.metadata))
        else:
            before_asking_stripe()
            info = self.gateway.price(price_id)
            if info is None:
                return None
            with self.store.write() as tx:
                tx.remember_price(info.price, info.product, info.metadata, self.clock())
            found = (info.product, info.metadata)
        with self._lock:
            self._memory[price_id] = (found, self.monotonic())
        return found

    def forget(self) -> None:
        """Drop the in-memory copy (the table stays)."""
        with self._lock:
            self._memory.clear()


class Resolver:
    """The `facts.Resolver` over the catalogue cache and the gateway."""

    def __init__(self, cache: CatalogueCache, before_asking_stripe: Callable[[], None] = lambda: None) -> None:
        self.cache, self.before_asking_stripe = cache, before_asking_stripe

    def plan(self, price: str | None, product: str | None = None) -> Plan | Invalid:
        """The plan a price grants, or why it grants nothing."""
        if not price:
            return Invalid("a line names no price", "price_missing")
        found = self.cache.lookup(price, self.before_asking_stripe)
        if found is None:
            return Invalid(f"price {price} is unknown to Stripe", "price_unknown")
        return plan_from_metadata(found[0], found[1])

    def session_lines(self, session: str) -> list[SessionLine] | Invalid:
        """The session's lines from Stripe."""
        self.before_asking_stripe()
        lines = self.cache.gateway.session_lines(session)
        return Invalid(f"checkout session {session} is unknown to Stripe", "session_unknown") if lines is None else lines
