"""`simplex-stripe doctor`: check a Stripe account against the integration guide."""

import json
import sys
from dataclasses import asdict

import click
import stripe
from rich.console import Console
from rich.table import Table

from platform_adapter.stripe_audit import Audit, audit, client_for

from .errors import UsageProblem


def _price_text(view) -> str:
    amount = "—" if view.unit_amount is None else f"{view.unit_amount / 100:.2f}"
    return f"{view.currency.upper()} {amount} {view.period}"


def _to_json(result: Audit) -> dict:
    return {
        "ok": result.ok, "problems": result.problems,
        "products": [{**asdict(p), "valid": p.valid} for p in result.catalog.products],
        "taxRates": [asdict(r) for r in result.tax_rates],
        "webhookEndpoints": [asdict(e) for e in result.endpoints],
        "otherWebhookEndpoints": result.other_endpoints,
    }


def _print(console: Console, result: Audit) -> None:
    products = Table(title="Products")
    for column in ("product", "accountType", "interval", "prices", "verdict"):
        products.add_column(column)
    for p in result.catalog.products:
        verdict = "✅" if p.valid else "❌ " + "\n".join(p.all_problems())
        products.add_row(f"{p.name}\n{p.id}", p.account_type or "—", str(p.interval or "—"),
                         "\n".join(_price_text(v) for v in p.prices) or "—", verdict)
    console.print(products)
    rates = Table("tax rate", "percentage", "kind", title="Active tax rates")
    for r in result.tax_rates:
        rates.add_row(f"{r.display_name} {r.id}", f"{r.percentage}%", "inclusive" if r.inclusive else "exclusive")
    console.print(rates)
    hooks = Table("endpoint", "api_version", "verdict", title="Webhook endpoints")
    for e in result.endpoints:
        verdict = "\n".join(["✅" if not e.problems else "❌ " + "; ".join(e.problems), *(f"⚠ {w}" for w in e.warnings)])
        hooks.add_row(f"{e.url}\n{e.id}", e.api_version or "(account default)", verdict)
    console.print(hooks)
    for problem in result.problems:
        console.print(f"[red]❌ {problem}[/]")
    console.print("[green]✅ the account follows the guide[/]" if result.ok else "[red]❌ the account breaks the guide[/]")


@click.command()
@click.option("--api-key", required=True, help="Secret key sk_test_…/sk_live_…/rk_… of the account to check.")
@click.option("--api-base", help="API base URL (the fake Stripe or stripe-mock); default: Stripe.")
@click.option("--webhook-url", help="The platform's full webhook URL (default: any endpoint with the guide's path).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def doctor(api_key: str, api_base: str | None, webhook_url: str | None, as_json: bool) -> None:
    """Check a Stripe account's products, tax rates and webhook endpoint against the guide."""
    if not api_key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
        raise UsageProblem("--api-key must be a secret key (sk_test_…, sk_live_… or rk_…)")
    try:
        result = audit(client_for(api_key, api_base), webhook_url)
    except stripe.AuthenticationError:
        raise UsageProblem("Stripe refused the API key (401)") from None
    except stripe.PermissionError:
        raise UsageProblem("the API key may not read products, tax rates or webhook endpoints (403)") from None
    except stripe.APIConnectionError:
        raise UsageProblem(f"cannot reach Stripe at {api_base or 'https://api.stripe.com'}") from None
    if as_json:
        click.echo(json.dumps(_to_json(result), indent=2))
    else:
        _print(Console(), result)
    sys.exit(0 if result.ok else 1)
