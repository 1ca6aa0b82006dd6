"""`simplex-stripe doctor`: check a Stripe account against the integration guide."""

import json
import sys

import click
import stripe
from rich.console import Console

from platform_adapter import stripe_audit
from platform_adapter.stripe_audit import Audit, client_for

from .errors import UsageProblem
from .tables import Rows, output_console


def _price_text(view) -> str:
    amount = "—" if view.unit_amount is None else f"{view.unit_amount / 100:.2f}"
    return f"{view.currency.upper()} {amount} {view.period}"


# Unreachable, a hung answer or a 5xx is reported within 3 s: no retries, 2.5 s to connect and 2.5 s per read.
TIMEOUT = (2.5, 2.5)
KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")

# Stripe's answer -> (code in --json, the one line printed); checked in order, the base class last.
FAILURES: tuple[tuple[type, str, str], ...] = (
    (stripe.AuthenticationError, "api_key_refused", "Stripe refused the API key (401)"),
    (stripe.PermissionError, "permission_denied",
     "the API key may not read products, tax rates or webhook endpoints (403)"),
    (stripe.APIConnectionError, "unreachable", "cannot reach Stripe at {base}"),
    (stripe.StripeError, "stripe_error", "Stripe answered with an error at {base}: {status}"),
)


class DoctorFailure(UsageProblem):
    """The check could not run: exit 2, one line; `code` names the failure in --json."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _error_json(failure: DoctorFailure) -> dict:
    return {"ok": False, "error": {"code": failure.code, "message": failure.message}, "problems": [],
            "products": [], "tax_rates": [], "webhook_endpoints": [], "other_webhook_endpoints": []}


def _print(console: Console, result: Audit) -> None:
    products = Rows("Products", "product", "accountType", "interval", "prices", "verdict")
    for p in result.catalogue.products:
        verdict = "✅" if p.valid else "❌ " + "\n".join(p.all_problems())
        products.add(f"{p.name}\n{p.id}", p.account_type or "—", str(p.interval or "—"),
                     "\n".join(_price_text(v) for v in p.prices) or "—", verdict)
    products.print(console)
    rates = Rows("Active tax rates", "tax rate", "percentage", "kind")
    for r in result.tax_rates:
        rates.add(f"{r.display_name} {r.id}", f"{r.percentage}%", "inclusive" if r.inclusive else "exclusive")
    rates.print(console)
    hooks = Rows("Webhook endpoints", "endpoint", "api_version", "verdict")
    for e in result.endpoints:
        verdict = "\n".join(["✅" if not e.problems else "❌ " + "; ".join(e.problems),
                             *(f"⚠ {w}" for w in e.warnings)])
        hooks.add(f"{e.url}\n{e.id}", e.api_version or "(account default)", verdict)
    hooks.print(console)
    for problem in result.problems:
        console.print(f"[red]❌ {problem}[/]")
    console.print("[green]✅ the account follows the guide[/]" if result.ok else "[red]❌ the account breaks the guide[/]")


@click.command()
@click.option("--api-key", envvar="STRIPE_API_KEY", show_envvar=True,
              help="Secret key sk_test_…/sk_live_…/rk_… of the account to check.")
@click.option("--api-base", envvar="STRIPE_API_BASE", show_envvar=True,
              help="API base URL (the fake Stripe or stripe-mock); default: Stripe.")
@click.option("--webhook-url", help="The platform's full webhook URL (default: any endpoint with the guide's path).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object, errors included.")
def doctor(api_key: str | None, api_base: str | None, webhook_url: str | None, as_json: bool) -> None:
    """Check a Stripe account's products, tax rates and webhook endpoint against the guide."""
    try:
        result = _audit(api_key, api_base, webhook_url)
    except DoctorFailure as failure:
        if as_json:
            click.echo(json.dumps(_error_json(failure), indent=2))
        raise
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        _print(output_console(), result)
    sys.exit(0 if result.ok else 1)


def _audit(api_key: str | None, api_base: str | None, webhook_url: str | None) -> Audit:
    """Run the audit; every way it cannot run becomes a DoctorFailure."""
    if not api_key:
        raise DoctorFailure("missing_api_key", "--api-key (or STRIPE_API_KEY) is required")
    if not api_key.startswith(KEY_PREFIXES):
        raise DoctorFailure("invalid_api_key", "--api-key must be a secret key (sk_test_…, sk_live_… or rk_…)")
    try:
        return stripe_audit.audit(client_for(api_key, api_base, timeout=TIMEOUT), webhook_url)
    except stripe.StripeError as exc:
        for kind, code, message in FAILURES:
            if isinstance(exc, kind):
                raise DoctorFailure(code, message.format(base=api_base or "https://api.stripe.com",
                                                         status=exc.http_status or "no status")) from None
        raise
