"""The load user's options: one table shared by `simplex-stripe load` (argv) and the locustfile (argparse)."""

from dataclasses import dataclass, fields
from typing import Any, Callable

from simulator.delivery.policy import ORDERS
from simulator.errors import InvalidOption
from simulator.delivery.signing import check_secret
from simulator.versions import resolve
from simulator.casts import ACCOUNT_TYPE_NAMES

PREFIX = "--sim-"  # Locust owns the plain option names (--host, --users, …); ours never clash


def _secrets(text: str) -> tuple[str, ...]:
    return tuple(s for s in text.split(",") if s)


def _flag(text: str) -> bool:
    return text.lower() == "true"


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


@dataclass(frozen=True)
class LoadOptions:
    """What each simulated customer's lifecycle looks like and how it is delivered (as `fire`)."""

    secrets: tuple[str, ...]
    webhook_path: str = "/"
    api_version: str | None = None
    duplicates: int = 0
    order: str = "in-order"
    seed: str = "0"
    account: str = "load"
    accounts_per_user: int = 3
    renewals: int = 2
    price: str | None = None
    product: str | None = None
    new_price: str | None = None
    new_product: str | None = None
    account_type: str = "professional"
    new_account_type: str = "business"
    interval_months: int = 1
    new_interval_months: int | None = None
    currency: str = "usd"
    amount: int = 2900
    tax_rate: float = 7.7
    tax_inclusive: bool = False
    timeout: float = 10.0
    probe_token: str | None = None

    def __post_init__(self) -> None:
        if not self.secrets:
            raise InvalidOption("--secret whsec_… is required")
        for secret in self.secrets:
            check_secret(secret)
        object.__setattr__(self, "api_version", resolve(self.api_version))
        if self.order not in ORDERS:
            raise InvalidOption(f"unknown order {self.order!r}; use one of {', '.join(ORDERS)}")
        for name in ("account_type", "new_account_type"):
            if getattr(self, name) not in ACCOUNT_TYPE_NAMES:
                raise InvalidOption(f"unknown account type {getattr(self, name)!r}")
        if self.duplicates < 0 or self.renewals < 0 or self.accounts_per_user < 1 or self.timeout <= 0:
            raise InvalidOption("--duplicates >= 0, --renewals >= 0, --accounts-per-user >= 1 and a positive timeout")
        if not self.webhook_path.startswith("/"):
            raise InvalidOption(f"webhook path {self.webhook_path!r} must start with /")


# Field -> how its Locust argument's text becomes the value (the argv side formats with `_text`).
PARSERS: dict[str, Callable[[str], Any]] = {
    "secrets": _secrets, "duplicates": int, "accounts_per_user": int, "renewals": int, "interval_months": int,
    "new_interval_months": _optional_int, "amount": int, "tax_rate": float, "tax_inclusive": _flag,
    "timeout": float,
}
# Secrets travel to Locust in its environment, not on its command line (which `ps` shows to everyone).
SECRET_ENVIRONMENT = {"secrets": "SIMPLEX_LOAD_SECRETS", "probe_token": "SIMPLEX_LOAD_PROBE_TOKEN"}


def argument(name: str) -> str:
    """The Locust command-line flag of a field: `duplicates` -> `--sim-duplicates`."""
    return PREFIX + name.replace("_", "-")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def to_argv(options: LoadOptions) -> list[str]:
    """The Locust arguments that carry `options`, secrets aside (the master forwards all to its workers)."""
    argv = []
    for f in fields(LoadOptions):
        value = getattr(options, f.name)
        if value is not None and f.name not in SECRET_ENVIRONMENT:
            argv += [argument(f.name), _text(value)]
    return argv


def to_environ(options: LoadOptions) -> dict[str, str]:
    """The environment variables that carry the secrets to Locust."""
    return {variable: _text(getattr(options, name)) for name, variable in SECRET_ENVIRONMENT.items()
            if getattr(options, name) is not None}


def add_arguments(parser) -> None:
    """Register every option on Locust's parser (as text; `from_namespace` converts), none in its web UI."""
    for f in fields(LoadOptions):
        extra = {"env_var": SECRET_ENVIRONMENT[f.name]} if f.name in SECRET_ENVIRONMENT else {}
        parser.add_argument(argument(f.name), dest="sim_" + f.name, default=None, type=str,
                            include_in_web_ui=False, help=f"simplex-stripe load option {f.name}", **extra)


def from_namespace(namespace: Any) -> LoadOptions:
    """The options from Locust's parsed arguments; unset ones keep their defaults."""
    values = {}
    for f in fields(LoadOptions):
        text = getattr(namespace, "sim_" + f.name, None)
        if text is not None:
            values[f.name] = PARSERS.get(f.name, str)(text)
    if "secrets" not in values:
        raise InvalidOption(f"{argument('secrets')} whsec_… is required")
    return LoadOptions(**values)
