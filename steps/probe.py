"""A client of the platform's conformance probe (docs/conformance-contract.md)."""

from dataclasses import dataclass
from datetime import datetime, timezone

import requests

from .errors import ProbeError

PREFIX = "/api/v6/integrations/stripe/conformance"
IDS_PER_CALL, PAGE = 100, 1000  # the contract's limits on `id` parameters and a page


def iso(ts: int | float) -> str:
    """Unix time → the contract's ISO 8601 UTC form."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Probe:
    """Creates accounts, reads their state and events, and asks the platform to load products or check out."""

    base_url: str
    token: str
    timeout: float = 15.0

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def _call(self, method: str, path: str, expect: tuple[int, ...], **kw) -> requests.Response:
        response = self.session.request(method, self.base_url + PREFIX + path, timeout=self.timeout, **kw)
        if response.status_code not in expect:
            raise ProbeError(f"{method} {PREFIX}{path} answered {response.status_code}: {response.text[:300]}")
        return response

    def status(self, path: str, **kw) -> int:
        """The status of a GET, whatever it is (the preflight judges it)."""
        return self.session.get(self.base_url + PREFIX + path, timeout=self.timeout, **kw).status_code

    def create_account(self, email: str) -> str:
        """A new account; returns its reference."""
        return self._call("POST", "/accounts", (201,), json={"email": email}).json()["id"]

    def account(self, ref: str, at: int | float | None = None) -> dict:
        """The account's observable state, `active` evaluated at `at` (default: the platform's now)."""
        params = {"at": iso(at)} if at is not None else {}
        return self._call("GET", f"/accounts/{ref}", (200,), params=params).json()

    def events(self, ids, account: str | None = None) -> list[dict]:
        """Every recorded delivery of these event ids, oldest first, read page by page (never assumes an empty platform)."""
        wanted, found = list(dict.fromkeys(ids)), []
        for start in range(0, len(wanted), IDS_PER_CALL):
            chunk = wanted[start:start + IDS_PER_CALL]
            params: dict = {"id": chunk, "limit": PAGE}
            if account:
                params["account"] = account
            while True:
                page = self._call("GET", "/events", (200,), params=params).json()
                found += [e for e in page["events"] if e.get("id") in chunk]
                if not page.get("next"):
                    break
                params["after"] = page["next"]
        return found

    def load_catalogue(self) -> list[dict]:
        """Run the platform's product loader; its verdict per product."""
        return self._call("POST", "/catalogue/load", (200,)).json()["products"]

    def check_configuration(self, keys: dict) -> requests.Response:
        """Have the platform check three keys as its Save and Load products would, storing nothing."""
        return self._call("POST", "/configuration/check", (200, 400), json=keys)

    def checkout(self, ref: str, price: str, currency: str | None = None) -> dict:
        """Have the platform create its Checkout Session for `ref` buying `price` (in `currency`)."""
        return self.try_checkout(ref, price, currency, expect=(201,)).json()

    def try_checkout(self, ref: str, price: str, currency: str | None = None, *, expect=(201, 400, 409)):
        """The platform's answer to a Checkout request, refusals included."""
        body = {"account": ref, "price": price, **({"currency": currency} if currency else {})}
        return self._call("POST", "/checkout", expect, json=body)

    def arm_faults(self, count: int) -> bool:
        """The optional fault switch: the next `count` deliveries of the four events fail midway (False: none)."""
        return self._call("POST", "/faults", (200, 404), json={"failDeliveries": count}).status_code == 200
