"""`simplex-stripe listen`: forward the fake Stripe's webhooks to a local URL, as `stripe listen --forward-to` does.

A relay on 127.0.0.1 is registered on the fake as a webhook endpoint; each delivery it receives is checked
against that endpoint's secret, signed anew by the project's one signer with the listen secret (the same on every
run, like Stripe CLI's; test mode's v0 decoy; a redelivery signed at least a second after the last) and POSTed to
--forward-to; the fake gets the platform's answer, so its retries follow the platform's status.
"""

import json
import os
import secrets
import signal
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

from .connection import api_base_option, api_key_option, client_for, stripe_failure
from .errors import UsageProblem

FORWARD_TIMEOUT = 10.0  # seconds the platform gets to answer each forwarded delivery


def stored_secret() -> str:
    """The listen secret kept in the user's config folder, made on first use (Stripe CLI's stays the same too)."""
    path = Path(click.get_app_dir("simplex-stripe")) / "listen-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = "whsec_" + secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    return secret


def stamp() -> str:
    """Stripe CLI's line prefix: local date and time."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


class Relay:
    """A WSGI app: checks a delivery from the fake, re-signs and forwards it, answers with the platform's answer."""

    def __init__(self, forward_to: str, secret: str, echo=click.echo, *, headers: dict | None = None,
                 verify: bool = True, as_json: bool = False, connect_to: str | None = None,
                 routes: list[tuple[str, list[str]]] | None = None) -> None:
        import requests  # noqa: PLC0415 - the command imports its HTTP stack only when it runs

        from simulator.delivery.signing import Signer  # noqa: PLC0415
        self.forward_to, self.secret, self.echo = forward_to, secret, echo
        self.headers, self.as_json, self.connect_to, self.routes = headers or {}, as_json, connect_to, routes
        self.signer = Signer([secret])
        self.endpoint_secret: str | None = None
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify

    def targets(self, event: dict) -> list[str]:
        """Where one event goes: --forward-connect-to for a connected account's, and with configured webhooks the
        path of each endpoint subscribed to it, under the forward URL."""
        base = self.connect_to if event.get("account") and self.connect_to else self.forward_to
        if self.routes is None:
            return [base]
        return [base.rstrip("/") + path for path, types in self.routes if "*" in types or event.get("type") in types]

    def __call__(self, environ, start_response):
        from werkzeug.wrappers import Request, Response  # noqa: PLC0415
        request = Request(environ)
        status, body = self.relay(request.get_data(), request.headers.get("Stripe-Signature", ""))
        return Response(body, status=status, content_type="application/json")(environ, start_response)

    def relay(self, body: bytes, header: str) -> tuple[int, bytes]:
        """Forward one delivery; (status, body) for the fake."""
        import requests  # noqa: PLC0415
        import stripe  # noqa: PLC0415
        try:
            stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, self.endpoint_secret or "", 300)
            event = json.loads(body)
        except (stripe.SignatureVerificationError, ValueError):
            return 400, b'{"error": "not a delivery from the fake Stripe this listen registered"}'
        if self.as_json:
            self.echo(json.dumps(event, separators=(",", ":")))
        else:
            self.echo(f"{stamp()}   --> {event.get('type')} [{event.get('id')}]")
        result = 200, b'{"received": true}'
        for url in self.targets(event):
            headers = {**self.headers, **self.signer.sign(body, event.get("id"))}
            try:
                answer = self.session.post(url, data=body, headers=headers, timeout=FORWARD_TIMEOUT,
                                           allow_redirects=False)
            except requests.RequestException as exc:
                self.note(f"{stamp()}            [ERROR] Failed to POST: {url} ({type(exc).__name__})")
                result = 502, b'{"error": "the forward-to URL did not answer"}'
                continue
            self.note(f"{stamp()}  <--  [{answer.status_code}] POST {url} [{event.get('id')}]{_outcome(answer.text)}")
            if result[0] < 300:
                result = answer.status_code, answer.content
        return result

    def note(self, line: str) -> None:
        """A line about a forward: on stderr when stdout carries --format JSON's events."""
        if self.as_json:
            click.echo(line, err=True)
        else:
            self.echo(line)


def _outcome(text: str) -> str:
    """` applied (reason)` or, for a refusal, ` code (reason)` when the answer is the reference contract's JSON."""
    try:
        body = json.loads(text)
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = {"outcome": body["error"].get("code"), "reason": body["error"].get("reason")}
    if not isinstance(body, dict) or not isinstance(body.get("outcome"), str):
        return ""
    return f" {body['outcome']}" + (f" ({body['reason']})" if body.get("reason") else "")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("-f", "--forward-to", help="The URL deliveries are forwarded to (the platform's webhook URL).")
@click.option("-e", "--events", default="*", show_default=True,
              help="Comma-separated event types to listen for (`*` for all).")
@api_base_option
@api_key_option
@click.option("--forward-thin-to", help="The URL thin events (v2 `v1.…` notifications) are forwarded to, through an "
                                      "event destination registered on the fake.")
@click.option("--thin-events", default="*", show_default=True,
              help="Comma-separated thin event types for --forward-thin-to (`v1.invoice.paid`, … or `*`).")
@click.option("--secret", help="Sign forwarded deliveries with this whsec_… (default: a secret kept in your config "
                               "folder, the same on every run).")
@click.option("--print-secret", is_flag=True, help="Print the listen secret and exit.")
@click.option("-H", "--headers", help='Headers added to each forwarded delivery: "Key1:Value1, Key2:Value2".')
@click.option("--skip-verify", is_flag=True, help="Do not verify the certificate of an https forward URL.")
@click.option("--format", "output_format", type=click.Choice(["JSON"], case_sensitive=False),
              help="Print each event as one line of JSON (the forward lines go to stderr).")
@click.option("--forward-connect-to", help="Forward connected accounts' events here (default: --forward-to).")
@click.option("--use-configured-webhooks", "--load-from-webhooks-api", "configured", is_flag=True,
              help="Forward each event to the path of every webhook endpoint on the fake subscribed to it, under "
                   "--forward-to.")
@click.option("--latest", is_flag=True, help="Receive events in the latest API version, not the account's default.")
def listen(forward_to, events, api_base, api_key, forward_thin_to, thin_events, secret, print_secret, headers,
           skip_verify, output_format, forward_connect_to, configured, latest) -> None:
    """Forward the fake Stripe's webhook deliveries to a URL, like `stripe listen --forward-to`.

    Thin events (v2 notifications) go to --forward-thin-to, like `stripe listen --forward-thin-to`."""
    from simulator.delivery.receiver import serving  # noqa: PLC0415
    from simulator.delivery.sender import check_url  # noqa: PLC0415
    from simulator.delivery.signing import check_secret  # noqa: PLC0415
    from simulator.errors import SimulatorError  # noqa: PLC0415
    from simulator.versions import CURRENT  # noqa: PLC0415 - --latest: the newest version the fake renders
    try:
        secret = check_secret(secret) if secret else stored_secret()
        if print_secret:
            click.echo(secret)
            return
        if not forward_to and not forward_thin_to:
            raise UsageProblem("--forward-to URL (or --forward-thin-to URL) is required (or --print-secret)")
        for url in (forward_to, forward_thin_to, forward_connect_to):
            if url:
                check_url(url)
        extra = _headers(headers)
    except SimulatorError as exc:
        raise UsageProblem(str(exc)) from None
    types = [t.strip() for t in events.split(",") if t.strip()]
    thin_types = [t.strip() for t in thin_events.split(",") if t.strip()]
    relay = Relay(forward_to or "", secret, headers=extra, verify=not skip_verify, as_json=bool(output_format),
                  connect_to=forward_connect_to)
    thin_relay = Relay(forward_thin_to or "", secret, headers=extra, verify=not skip_verify,
                       as_json=bool(output_format))
    err = bool(output_format)
    with serving(relay) as relay_base, serving(thin_relay) as thin_base:
        client = client_for(api_key, api_base)
        if configured:
            relay.routes = _routes(client, api_base)
        endpoint = _register(client, relay_base + "/", types, api_base, CURRENT if latest else None) \
            if forward_to else None
        destination = None
        try:
            if forward_thin_to:
                destination = _register_thin(client, thin_base + "/", thin_types, api_base)
            version = "account default"
            if endpoint is not None:
                relay.endpoint_secret = endpoint.secret
                version = endpoint.api_version or endpoint.last_response.headers.get("Stripe-Version", version)
            if destination is not None:
                thin_relay.endpoint_secret = destination.webhook_endpoint.signing_secret
            click.echo(f"> Ready! You are using Stripe API Version [{version}]. Your webhook signing secret is "
                       f"{secret} (^C to quit)", err=err)
            if endpoint is not None:
                # The endpoint's id, for `events resend evt_… --webhook-endpoint we_…` (it goes when listen stops).
                click.echo(f"> Webhook endpoint {endpoint.id} forwards to {forward_to}", err=err)
            if destination is not None:
                click.echo(f"> Event destination {destination.id} forwards thin events to {forward_thin_to}", err=err)
            signal.signal(signal.SIGTERM, _interrupt)
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            if endpoint is not None:
                _unregister(client, endpoint.id)
            if destination is not None:
                _unregister_thin(client, destination.id)


def _headers(text: str | None) -> dict[str, str]:
    """`Key1:Value1, Key2:Value2` as headers; InvalidOption for a pair without a colon."""
    from simulator.errors import InvalidOption  # noqa: PLC0415
    pairs = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, colon, value = item.partition(":")
        if not colon or not key.strip():
            raise InvalidOption(f"--headers {item.strip()!r} is not Key:Value (e.g. \"X-Env:dev, X-Team:billing\")")
        pairs[key.strip()] = value.strip()
    return pairs


def _routes(client, api_base: str) -> list[tuple[str, list[str]]]:
    """(URL path, event types) of each enabled webhook endpoint already on the fake (--use-configured-webhooks)."""
    import stripe  # noqa: PLC0415
    try:
        endpoints = list(client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter())
    except stripe.StripeError as exc:
        raise stripe_failure(exc, api_base) from None
    found = [e.to_dict() for e in endpoints]
    routes = [(urlsplit(e["url"]).path or "/", list(e["enabled_events"])) for e in found
              if e["status"] == "enabled" and (e.get("metadata") or {}).get("simplex_stripe") != "listen"]
    if not routes:
        raise UsageProblem("--use-configured-webhooks: the fake has no enabled webhook endpoint to take paths from")
    return routes


def _register(client, url: str, types: list[str], api_base: str, version: str | None = None):
    import stripe  # noqa: PLC0415
    params = {"url": url, "enabled_events": types, "description": "simplex-stripe listen",
              "metadata": {"simplex_stripe": "listen"}}
    try:
        return client.v1.webhook_endpoints.create({**params, **({"api_version": version} if version else {})})
    except stripe.InvalidRequestError as exc:
        raise UsageProblem(f"the fake refused the endpoint: {exc.user_message or exc}") from None
    except stripe.StripeError as exc:
        raise stripe_failure(exc, api_base) from None


def _register_thin(client, url: str, types: list[str], api_base: str):
    """A thin event destination on the fake pointing at the relay; its secret comes only in this answer."""
    import stripe  # noqa: PLC0415
    try:
        return client.v2.core.event_destinations.create({
            "name": "simplex-stripe listen", "type": "webhook_endpoint", "event_payload": "thin",
            "enabled_events": types, "webhook_endpoint": {"url": url},
            "metadata": {"simplex_stripe": "listen"}, "include": ["webhook_endpoint.signing_secret"]})
    except stripe.InvalidRequestError as exc:
        raise UsageProblem(f"the fake refused the event destination: {exc.user_message or exc}") from None
    except stripe.StripeError as exc:
        raise stripe_failure(exc, api_base) from None


def _unregister_thin(client, destination_id: str) -> None:
    import stripe  # noqa: PLC0415
    try:
        client.v2.core.event_destinations.delete(destination_id)
    except stripe.StripeError:
        pass  # the fake is gone already


def _unregister(client, endpoint_id: str) -> None:
    import stripe  # noqa: PLC0415
    try:
        client.v1.webhook_endpoints.delete(endpoint_id)
    except stripe.StripeError:
        pass  # the fake is gone already; nothing left to clean up
