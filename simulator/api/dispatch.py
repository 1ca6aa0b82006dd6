"""The routing and dispatch layer: /v1 requests are matched to the spec's operations, validated against their
schema and handed to handlers; everything else goes to the Flask pages."""

import json
from http import HTTPStatus
from urllib.parse import parse_qsl

from ..engine.errors import (FakeStripeError, InvalidParameter, NotSimulated, ParameterError, PermissionDenied,
                             UnknownRoute)
from ..engine.rendering import gate
from ..versions import removed_parameter
from .context import Call, Handler, authenticate, mask, served_version
from .expand import Includes, check_paths, expand
from .forms import decode
from .operations import Operation, matcher, spec_template_of_route
from .validation import EXPAND, coerce, response_schema, validate

REASONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
FORM = "application/x-www-form-urlencoded"


class Router:
    """(method, path) -> handler, its spec operation and path arguments, through the spec's own templates."""

    def __init__(self, routes: list[tuple[str, str, Handler]]) -> None:
        self.table: dict[tuple[str, str], tuple[Handler, Operation, dict[int, str]]] = {}
        # Routes Stripe serves without documenting them in the spec (the CLI's POST /v1/events/{id}/retry).
        self.extensions: list[tuple[str, list[str], Handler, dict[int, str]]] = []
        for method, path, handler in routes:
            parts = path.strip("/").split("/")
            names = {i: part[1:-1] for i, part in enumerate(parts) if part.startswith("<")}
            template = spec_template_of_route(path)
            op = matcher().operations.get((method, template)) if template else None
            if op is None:
                self.extensions.append((method, parts, handler, names))
            else:
                self.table[(method, template)] = (handler, op, names)

    @property
    def served(self) -> set[tuple[str, str]]:
        """(method, template) of every operation the fake serves."""
        return set(self.table)

    def match(self, method: str, path: str) -> tuple[Handler, Operation | None, dict]:
        """The handler for a request, its operation and its `<name>` path arguments (unknown → an error handler)."""
        template = matcher().template(path)
        entry = self.table.get((method, template)) if template else None
        parts = path.strip("/").split("/")
        if entry is None:
            for ext_method, pattern, handler, names in self.extensions:
                if ext_method == method and len(pattern) == len(parts) and all(
                        p == actual or (p.startswith("<") and actual) for p, actual in zip(pattern, parts)):
                    return handler, None, {name: parts[i] for i, name in names.items()}
            op = matcher().operations.get((method, template)) if template else None
            return (not_simulated, op, {}) if op else (unknown_route, None, {})
        handler, op, names = entry
        return handler, op, {name: parts[i] for i, name in names.items()}


class FakeStripeApp:
    """The WSGI app: the API is dispatched here, pages and /_sim helpers by the Flask app behind it."""

    def __init__(self, fake, routes: list[tuple[str, str, Handler]], pages, includes: Includes) -> None:
        self.fake, self.router, self.pages, self.includes = fake, Router(routes), pages, includes

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/v1/"):
            return self.pages(environ, start_response)
        status, headers, body = self.respond(environ, path)
        start_response(REASONS.get(status, str(status)), [("Content-Type", "application/json"), *headers.items()])
        return [body]

    def respond(self, environ: dict, path: str) -> tuple[int, dict, bytes]:
        """Authenticate, decode, replay or run under the state lock, expand; errors become Stripe's JSON."""
        fake = self.fake
        method = environ["REQUEST_METHOD"]
        request_id = fake.state.new_request_id()
        headers = {"Request-Id": request_id}
        idem = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        if idem:
            headers["Idempotency-Key"] = idem
        try:
            key = authenticate(environ.get("HTTP_AUTHORIZATION"), fake.api_key)
            sandbox = fake.sandbox(key)
            state = sandbox.state
            served = served_version(environ.get("HTTP_STRIPE_VERSION"), state.default_version)
            version = headers["Stripe-Version"] = served.version
            if served.substituted:
                # Newer than the versions this fake knows: served in the newest one's shapes, and said so.
                headers["Stripe-Version-Requested"] = served.requested
            _check_account(environ.get("HTTP_STRIPE_ACCOUNT"), key, state.account_id)
            pairs = _pairs(environ)
            raw = decode(pairs)
            handler, op, args = self.router.match(method, path)
            call = Call(state, raw, args, version, request_id, idem, method=method, path=path, operation=op)
            scope, fingerprint = (key, idem), (method, path, tuple(sorted(pairs)))
            with state.lock:
                replay = sandbox.idempotency.lookup(scope, fingerprint) if idem else None
                if replay is not None:
                    status, body, original = replay
                    headers.update({"Idempotent-Replayed": "true", "Original-Request": original})
                    return status, headers, body
                status, body = run(handler, call, self.includes)
                if idem and status > 0:
                    sandbox.idempotency.remember(scope, fingerprint, status, body, request_id)
            if method in ("POST", "DELETE"):
                fake.changed()
        except FakeStripeError as exc:
            status, body = exc.http_status, json.dumps(exc.body()).encode()
        return abs(status), headers, body


def _pairs(environ: dict) -> list[tuple[str, str]]:
    """Query and form-body parameters, in order (Stripe reads both)."""
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length and environ.get("CONTENT_TYPE", "").startswith(FORM):
        pairs += parse_qsl(environ["wsgi.input"].read(length).decode("utf-8", "replace"), keep_blank_values=True)
    return pairs


def _check_account(account: str | None, key: str, own: str) -> None:
    if account and account != own:
        raise PermissionDenied(f"The provided key '{mask(key)}' does not have access to account '{account}' (or "
                               "that account does not exist). Application access may have been revoked.",
                               code="account_invalid")


def run(handler: Handler, call: Call, includes: Includes) -> tuple[int, bytes]:
    """Run one handler; parameter errors come back with a negative status so they are never replayed."""
    state = call.state
    try:
        state.catch_up()
        removal = removed_parameter(call.operation.id, call.raw, call.version) if call.operation else None
        if removal is not None:  # Stripe refuses it at this version, simulated operation or not
            raise InvalidParameter(removal.message, removal.name, code=removal.code)
        if call.operation is not None and handler is not not_simulated:
            call.params = validate(call.operation, call.raw, call.version)
        call.expand = coerce(EXPAND, call.raw["expand"], "expand") if "expand" in call.raw else None
        if call.expand and call.operation is not None:
            check_paths(response_schema(call.operation), call.expand, call.version, includes)
        body = gate(expand(includes, state, handler(call), call.expand, call.version), call.version)
        answer = json.dumps(body).encode()
        # What the request made due at once (a test IBAN's debit ending) follows its answer, as on Stripe.
        state.catch_up()
        return 200, answer
    except ParameterError as exc:
        # Stripe saves no idempotent result when parameters fail validation.
        return -exc.http_status, json.dumps(exc.body()).encode()
    except FakeStripeError as exc:
        return exc.http_status, json.dumps(exc.body()).encode()


def unknown_route(call: Call) -> dict:
    """Any /v1 URL that names no operation of Stripe's API."""
    raise UnknownRoute(call.method, call.path)


def not_simulated(call: Call) -> dict:
    """An operation of Stripe's API that the fake does not simulate: say so, and name it."""
    raise NotSimulated(call.operation)
