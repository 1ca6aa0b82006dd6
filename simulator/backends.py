"""Where a story's Stripe API actions run: the fake's engine in-process, or a running fake Stripe over HTTP.

Both backends offer the same actions (the calls a platform and its customer make, plus the fake's `/_sim`
helpers for what only Stripe's side does: paying on the hosted page, time passing, a card starting to fail).
The engine decides which objects and events each action makes; a backend only carries the action there.
"""

import io
import json
from typing import Protocol
from urllib.parse import urlencode

import requests
import stripe

from .errors import InvalidOption, SimulatorError
from .fake_stripe import FakeStripe
from .engine.catalogue import create_product, create_tax_rate
from .engine.completion import complete
from .engine.customers import replace_card
from .engine.errors import FakeStripeError
from .engine.events import render_event
from .fake_stripe.persistence import restore, snapshot
from .engine.prices import create_price
from .engine.rendering import shape_of
from .versions import CURRENT

STORY_KEY = "sk_test_simplex_story"
FORM = "application/x-www-form-urlencoded"


class ActionFailed(SimulatorError):
    """Stripe (the engine) refused an action of the story; `error_type` is Stripe's (e.g. `card_error`)."""

    def __init__(self, message: str, error_type: str = "invalid_request_error", body: dict | None = None) -> None:
        super().__init__(message)
        self.error_type, self.body = error_type, body


def form_pairs(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: `a[b][0][c]=v`, booleans as true/false."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += form_pairs(value, name)
        elif isinstance(value, (list, tuple)):
            pairs += form_pairs({str(i): v for i, v in enumerate(value)}, name)
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


class Backend(Protocol):
    """The actions a story takes, wherever the engine runs."""

    def now(self) -> int: ...
    def advance(self, to: int) -> int: ...
    def request(self, method: str, path: str, params: dict | None = None) -> dict: ...
    def complete_session(self, session_id: str, *, card: str = "4242424242424242", method: str = "card") -> dict: ...
    def price_kind(self, price_id: str) -> bool | None: ...
    def set_card(self, customer_id: str, card: str) -> dict: ...
    def mark(self) -> object: ...
    def events_since(self, mark: object, version: str) -> list[dict]: ...


class InProcess:
    """A fake Stripe engine in this process, on a virtual clock that moves only when the story advances it."""

    def __init__(self, *, seed: str, start: int, saved: dict | None = None) -> None:
        self.start = start
        self.fake = FakeStripe(seed="empty", clock=lambda: start, id_seed=f"story:{seed}")
        self.state = self.fake.state
        if saved is not None:
            restore(self.state, saved)

    def save(self) -> dict:
        """The engine's state, JSON-ready."""
        with self.state.lock:
            return json.loads(json.dumps(snapshot(self.state)))

    def now(self) -> int:
        """The engine's clock."""
        return self.state.now()

    def advance(self, to: int) -> int:
        """Move the clock to `to`, running every renewal, retry and expiry that falls due on the way."""
        if to > self.now():
            self.fake.advance(to=to)
        return self.now()

    def request(self, method: str, path: str, params: dict | None = None) -> dict:
        """One Stripe API request through the fake's own dispatch (auth, validation, idempotency)."""
        body = urlencode(form_pairs(params or {})).encode()
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "CONTENT_TYPE": FORM,
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
                   "HTTP_AUTHORIZATION": f"Bearer {STORY_KEY}", "HTTP_STRIPE_VERSION": CURRENT}
        if method == "GET":
            environ.update(QUERY_STRING=body.decode(), CONTENT_LENGTH="0", CONTENT_TYPE="")
        status, _, payload = self.fake.app.respond(environ, path)
        answer = json.loads(payload)
        if status >= 400:
            raise ActionFailed(f"{method} {path}: {answer['error'].get('message')}",
                               answer["error"].get("type", "invalid_request_error"), answer)
        return answer

    def _helper(self, run):
        try:
            with self.state.lock:
                return run()
        except FakeStripeError as exc:
            raise ActionFailed(exc.body()["error"].get("message")) from None

    def complete_session(self, session_id: str, *, card: str = "4242424242424242", method: str = "card") -> dict:
        """Pay on the hosted page (`/_sim/checkout/sessions/{id}/complete`)."""
        session = self.state.store.require("checkout.session", session_id)
        self._helper(lambda: complete(self.state, session, card, method=method))
        return self.request("GET", f"/v1/checkout/sessions/{session_id}")

    def set_card(self, customer_id: str, card: str) -> dict:
        """The customer's default card becomes `card` (`/_sim/customers/{id}/card`)."""
        return self._helper(lambda: replace_card(self.state, self.state.store.require("customer", customer_id), card))

    def adopt_session_id(self, session_id: str, wanted: str) -> None:
        """Give a new Checkout Session the id of one made through another Stripe account's API (`--checkout-session`)."""
        with self.state.lock:
            if wanted in self.state.store:
                raise InvalidOption(f"--checkout-session {wanted}: already used in this story")
            session = self.state.store.remove(session_id)
            session["id"] = wanted
            self.state.store.add(session)

    def catalogue(self, *, product_id: str | None, product: dict, price: dict,
                  price_id: str | None) -> tuple[str, str]:
        """(product id, price id): the product (unless it exists) and a price, with the ids given or new ones."""
        with self.state.lock:
            at = self.now()
            if product_id is None or product_id not in self.state.store:
                product_id = create_product(self.state, {**product, "id": product_id} if product_id else product,
                                            at=at)["id"]
            return product_id, create_price(self.state, price, at=at, product_id=product_id, price_id=price_id)["id"]

    def tax_rate(self, percentage: float, inclusive: bool) -> str:
        """A VAT tax rate."""
        with self.state.lock:
            return create_tax_rate(self.state, {"display_name": "VAT", "percentage": percentage,
                                                "inclusive": inclusive}, at=self.now())["id"]

    def price_kind(self, price_id: str) -> bool | None:
        """Whether the engine's price is recurring (None: it holds no such price)."""
        obj = self.state.store.get(price_id)
        return None if obj is None or obj["object"] != "price" else bool(obj["recurring"])

    def mark(self) -> int:
        """A position in the engine's event log."""
        return self.state.store.position("event")

    def events_since(self, mark: int, version: str) -> list[dict]:
        """The events made after `mark`, oldest first, as delivered to one endpoint on `version`."""
        with self.state.lock:
            out = []
            for record in self.state.store.since("event", mark):
                event = render_event(self.state, record, version)
                event["pending_webhooks"] = 1
                out.append(event)
            return out

    def only_shape(self, version: str | None) -> None:
        """Freeze events in `version`'s payload shape only (None: every shape); saves work for big runs."""
        self.state.event_shapes = (shape_of(version),) if version else None


class OverHttp:
    """A running fake Stripe: the official SDK for API calls, plain HTTP for its `/_sim` helpers."""

    def __init__(self, api_base: str, api_key: str, *, timeout: float = 10.0) -> None:
        self.base = api_base.rstrip("/")
        self.client = stripe.StripeClient(api_key, base_addresses={"api": self.base}, max_network_retries=0,
                                          http_client=stripe.RequestsClient(timeout=timeout))
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Authorization"] = f"Bearer {api_key}"  # the helpers take the API's key
        self.timeout = timeout

    def _sim(self, method: str, path: str, data: dict | None = None) -> dict:
        try:
            resp = self.http.request(method, self.base + path, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ActionFailed(f"the fake Stripe at {self.base} is unreachable ({type(exc).__name__})") from exc
        if resp.status_code == 404 and "error" not in resp.text:
            raise ActionFailed(f"{self.base} has no {path}: is it a fake Stripe (simplex-stripe fake-stripe)?")
        body = resp.json()
        if resp.status_code >= 400:
            raise ActionFailed(f"{path}: {body.get('error', {}).get('message')}")
        return body

    def _sdk(self, call):
        try:
            return call().to_dict()
        except stripe.StripeError as exc:
            raise ActionFailed(exc.user_message or str(exc)) from None

    def now(self) -> int:
        """The fake's account clock."""
        return self._sim("GET", "/_sim/clock")["now"]

    def advance(self, to: int) -> int:
        """`POST /_sim/clock/advance`."""
        if to > self.now():
            return self._sim("POST", "/_sim/clock/advance", {"to": to})["now"]
        return self.now()

    def request(self, method: str, path: str, params: dict | None = None) -> dict:
        """One API request through the SDK (`StripeClient.raw_request`)."""
        try:
            response = self.client.raw_request(method.lower(), path, **(params or {}))
        except stripe.StripeError as exc:
            raise ActionFailed(exc.user_message or str(exc), getattr(exc.error, "type", None) or "api_error",
                               exc.json_body if isinstance(exc.json_body, dict) else None) from None
        return json.loads(response.body)

    def complete_session(self, session_id: str, *, card: str = "4242424242424242", method: str = "card") -> dict:
        """`POST /_sim/checkout/sessions/{id}/complete`."""
        return self._sim("POST", f"/_sim/checkout/sessions/{session_id}/complete", {"card": card, "method": method})

    def set_card(self, customer_id: str, card: str) -> dict:
        """`POST /_sim/customers/{id}/card`."""
        return self._sim("POST", f"/_sim/customers/{customer_id}/card", {"card": card})

    def catalogue(self, *, product_id: str | None, product: dict, price: dict,
                  price_id: str | None) -> tuple[str, str]:
        """(product id, price id): an existing price, or a new price (and product) made through the API."""
        if price_id is not None:
            found = self._sdk(lambda: self.client.v1.prices.retrieve(price_id))
            return found["product"], found["id"]
        if product_id is None:
            product_id = self._sdk(lambda: self.client.v1.products.create(product))["id"]
        return product_id, self._sdk(lambda: self.client.v1.prices.create({**price, "product": product_id}))["id"]

    def tax_rate(self, percentage: float, inclusive: bool) -> str:
        """The account's active tax rate of that percentage and kind, or a new VAT rate when it has none.

        A platform puts every active rate on each Checkout line, so a story must not add a second one.
        """
        rates = self._sdk(lambda: self.client.v1.tax_rates.list({"active": True, "limit": 100}))["data"]
        for rate in rates:
            if rate["percentage"] == percentage and rate["inclusive"] == inclusive:
                return rate["id"]
        return self._sdk(lambda: self.client.v1.tax_rates.create(
            {"display_name": "VAT", "percentage": percentage, "inclusive": inclusive}))["id"]

    def price_kind(self, price_id: str) -> bool | None:
        """Whether the price is recurring (None: the account holds no such price)."""
        try:
            price = self.client.v1.prices.retrieve(price_id)
        except stripe.StripeError:
            return None
        return bool(price.recurring)

    def mark(self) -> str | None:
        """The newest event's id (None: no event yet)."""
        return self._sim("GET", "/_sim/events")["last"]

    def events_since(self, mark: str | None, version: str) -> list[dict]:
        """`GET /_sim/events?after=…&api_version=…`: later events, oldest first, in `version`'s shape."""
        events = self._sim("GET", "/_sim/events?" + urlencode({"after": mark or "", "api_version": version}))["data"]
        for event in events:
            event["pending_webhooks"] = 1
        return events

    def only_shape(self, version: str | None) -> None:
        """A running fake keeps every shape."""


class OnTestClock(OverHttp):
    """A running Stripe (the fake) where the story's customer lives on its own test clock, from `start`.

    The clock and the customer are made with the first purchase, so their events belong to the story; until
    then the story's now is `start`, moved forwards by `advance`. Time passes only on this clock: other
    customers of the account, and its own clock, stay where they are.
    """

    STEP = 28 * 86400  # an advance may go two intervals of the shortest subscription: a month per step is safe

    def __init__(self, api_base: str, api_key: str, *, start: int, timeout: float = 10.0) -> None:
        super().__init__(api_base, api_key, timeout=timeout)
        # Only this story moves its clock, so its time is known here without asking.
        self.frozen, self.clock_id = start, None

    def now(self) -> int:
        """The test clock's frozen time (before the first purchase: the story's start)."""
        return self.frozen

    def advance(self, to: int) -> int:
        """Advance the test clock to `to`, a month at most per step; everything due on it runs."""
        while self.frozen < to:
            step = {"frozen_time": min(to, self.frozen + self.STEP)}
            if self.clock_id is not None:
                self._sdk(lambda: self.client.v1.test_helpers.test_clocks.advance(self.clock_id, step))
            self.frozen = step["frozen_time"]
        return self.frozen

    def new_customer(self, params: dict) -> str:
        """A test clock frozen at the story's now, and the customer on it; the customer's id."""
        clock = self._sdk(lambda: self.client.v1.test_helpers.test_clocks.create(
            {"frozen_time": self.frozen, "name": params.get("email") or "story"}))
        self.clock_id = clock["id"]
        return self._sdk(lambda: self.client.v1.customers.create({**params, "test_clock": clock["id"]}))["id"]
