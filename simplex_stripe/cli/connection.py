"""How the commands that talk to a Stripe API (the fake by default) connect, and how they report failing to."""

import click

# Not stripe-mock's 12111, so both can run side by side.
DEFAULT_PORT = 12180
DEFAULT_API_BASE = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_KEY = "sk_test_simplex_stripe_cli"
API_BASE_HELP = "API base of the fake Stripe (or any Stripe API)."

api_base_option = click.option("--api-base", envvar="STRIPE_API_BASE", default=DEFAULT_API_BASE, show_default=True,
                               show_envvar=True, help=API_BASE_HELP)


def _test_mode_key(ctx, param, value: str) -> str:
    """Refuse a live key: these commands create objects, trigger payments and redeliver events."""
    if value and value.startswith(("sk_live_", "rk_live_")):
        raise click.BadParameter("a live-mode key is refused; these commands make test-mode objects and events "
                                 "(use an sk_test_ key)")
    return value


api_key_option = click.option("--api-key", envvar="STRIPE_API_KEY", default=DEFAULT_KEY, show_envvar=True,
                              callback=_test_mode_key,
                              help="Test-mode secret key (any sk_test_ key works with the fake; live keys are refused).")


def client_for(api_key: str, api_base: str):
    """The official SDK pointed at `api_base`: no retries, short connect timeout."""
    from simulator.fixture_send import client_for as sdk_client  # noqa: PLC0415 - only commands that call an API
    return sdk_client(api_key, api_base)


def stripe_failure(exc, api_base: str) -> click.ClickException:
    """One line (exit 2) for a Stripe error that stops a command."""
    import stripe  # noqa: PLC0415

    from .errors import UsageProblem  # noqa: PLC0415
    if isinstance(exc, stripe.APIConnectionError):
        return UsageProblem(f"cannot reach the Stripe API at {api_base}; start it with `simplex-stripe fake-stripe` "
                            "or pass --api-base")
    if isinstance(exc, stripe.AuthenticationError):
        return UsageProblem(f"the Stripe API at {api_base} refused the key (401)")
    return UsageProblem(f"the Stripe API at {api_base} answered {exc.http_status}: {exc.user_message or exc}")
