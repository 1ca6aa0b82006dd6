"""`simplex-stripe events resend`: deliver a stored event again, newly signed, like `stripe events resend`."""

import json

import click

from .connection import api_base_option, api_key_option, client_for, stripe_failure


@click.group()
def events() -> None:
    """Work with the events the fake Stripe stored."""


@events.command()
@click.argument("event_id", metavar="EVENT_ID")
@click.option("--webhook-endpoint", help="Only to this endpoint we_… (default: every endpoint subscribed to it).")
@click.option("--account", help="The account acct_… the event belongs to (sent as the Stripe-Account header).")
@api_base_option
@api_key_option
def resend(event_id: str, webhook_endpoint: str | None, account: str | None, api_base: str, api_key: str) -> None:
    """Deliver a stored event again, signed at the new send time (POST /v1/events/{id}/retry)."""
    import stripe  # noqa: PLC0415
    client = client_for(api_key, api_base)
    params = {"webhook_endpoint": webhook_endpoint} if webhook_endpoint else {}
    if account:
        params["stripe_account"] = account
    try:
        targets = [webhook_endpoint] if webhook_endpoint else _subscribed(client, event_id)
        if not targets:  # the retry would deliver nothing: say so, and fail
            raise click.ClickException(f"no enabled webhook endpoint is subscribed to {event_id}'s type: nothing was "
                                       "resent (register one, e.g. with `simplex-stripe listen`, or name one with "
                                       "--webhook-endpoint we_…)")
        event = client.raw_request("post", f"/v1/events/{event_id}/retry", **params)
    except stripe.StripeError as exc:
        raise stripe_failure(exc, api_base) from None
    body = json.loads(event.body) if hasattr(event, "body") else event
    click.echo(f"resent {body['type']} [{body['id']}] to {', '.join(targets)}")


def _subscribed(client, event_id: str) -> list[str]:
    """The enabled webhook endpoints subscribed to the event's type (or to `*`)."""
    kind = client.v1.events.retrieve(event_id).type
    return [e.id for e in client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter()
            if e.status == "enabled" and ("*" in e.enabled_events or kind in e.enabled_events)]
