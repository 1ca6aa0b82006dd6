"""`/_sim/…` control helpers for tests and tools: complete a session, move the clock, reset, seed, deliveries."""

import dataclasses
import functools
import json

from flask import Blueprint, Response, current_app, request

from ..engine.checkout import render_session
from ..engine.completion import complete
from ..engine.customers import replace_card
from ..engine.errors import FakeStripeError, InvalidParameter, MissingParameter
from ..engine.events import render_event
from ..engine.rendering import gate
from ..engine.seed import SEEDS
from ..errors import InvalidOption
from ..engine.clocks import advance_limit
from .context import authenticate, resolve_version

bp = Blueprint("sim", __name__)
MAX_DUPLICATES, MAX_TIME_SCALE = 10, 10.0  # a helper must not make the fake's work unbounded


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _int(name: str) -> int | None:
    value = request.values.get(name)
    if value is None:
        return None
    if not value.lstrip("-").isdigit():
        raise InvalidParameter(f"Invalid integer: {value}", name, code="parameter_invalid_integer")
    return int(value)


def sandbox_of_request(fake):
    """The sandbox a helper acts on: the request's key's (`Authorization: Bearer sk_test_…`); Stripe's 401 else."""
    return fake.sandbox(authenticate(request.headers.get("Authorization"), fake.api_key))


def helper(view):
    """Run a helper on the sandbox of the request's key, under its state lock, translating errors to Stripe's
    error JSON.

    Helpers change the account as the API does, so they take the same key (`Authorization: Bearer sk_test_…`,
    the pinned `--api-key` when there is one), checked before anything else.
    """
    @functools.wraps(view)
    def wrapped(**args):
        try:
            fake = sandbox_of_request(current_app.extensions["fake_stripe"])
            with fake.state.lock:
                fake.state.catch_up()
                body = view(fake, **args)
                fake.state.catch_up()
                if request.method == "POST":
                    fake.changed()
            return _json(body)
        except FakeStripeError as exc:
            return _json(exc.body(), exc.http_status)
    return wrapped


@bp.post("/_sim/checkout/sessions/<id>/complete")
@helper
def complete_session(fake, id: str) -> dict:
    """Pay a session as the hosted page would (`card`, default 4242…, or `method=sepa_debit`); returns it."""
    state = fake.state
    session = state.store.require("checkout.session", id)
    complete(state, session, request.values.get("card") or "4242424242424242",
             email=request.values.get("email"), name=request.values.get("name"),
             method=request.values.get("method") or "card")
    version = resolve_version(request.headers.get("Stripe-Version"), state.default_version)
    return gate(render_session(state, session, version), version)


@bp.post("/_sim/clock/advance")
def advance_clock():
    """Move the account clock (`to=<unix>` or `seconds=N`); everything due runs; returns the new time.

    The move is bounded (two intervals of the shortest live subscription) and runs in steps, letting other
    requests in between, so no move can stall the fake."""
    try:
        fake = sandbox_of_request(current_app.extensions["fake_stripe"])
        to, seconds = _int("to"), _int("seconds")
        if to is None and seconds is None:
            raise MissingParameter("to")
        name = "to" if to is not None else "seconds"
        with fake.state.lock:
            fake.state.catch_up()
            try:
                target = fake.state.target_of(seconds=seconds, to=to)
            except ValueError as exc:
                raise InvalidParameter(str(exc), name) from None
            limit = advance_limit(fake.state, None, fake.state.now())
        if target > limit:  # checked before any work: a 1,000-year move is a 400 at once, not a stalled fake
            raise InvalidParameter("Cannot advance the clock more than two intervals of the shortest live "
                                   f"subscription (two years with none) at a time; advance to {limit} or earlier "
                                   "first.", name)
        return _json({"object": "sim.clock", "now": fake.advance_in_steps(target)})
    except FakeStripeError as exc:
        return _json(exc.body(), exc.http_status)


@bp.get("/_sim/clock")
@helper
def show_clock(fake) -> dict:
    """The account clock's current time."""
    return {"object": "sim.clock", "now": fake.state.now()}


@bp.post("/_sim/reset")
@helper
def reset(fake) -> dict:
    """Forget every object, event, endpoint and delivery."""
    fake.reset()
    return {"object": "sim.reset", "reset": True}


@bp.post("/_sim/seed")
@helper
def seed(fake) -> dict:
    """Add a named seed's objects (`name=guide`)."""
    name = request.values.get("name", "guide")
    if name not in SEEDS:
        raise InvalidParameter(f"Invalid name: must be one of {', '.join(SEEDS)}", "name")
    return {"object": "sim.seed", "name": name, "created": fake.load_seed(name)}


@bp.get("/_sim/events")
@helper
def events_after(fake) -> dict:
    """Events after `after` (an event id; empty: from the first), oldest first, in `api_version`'s shape.

    `last` is the newest event's id: a story remembers it before acting, then asks for what came after.
    """
    state = fake.state
    version = resolve_version(request.values.get("api_version"), state.default_version)
    after = request.values.get("after")
    data = []
    if after is not None:
        mark = state.store.position("event", after or None) if after else 0
        data = [render_event(state, record, version) for record in state.store.since("event", mark)]
    return {"object": "list", "data": data, "last": state.store.newest("event")}


@bp.get("/_sim/deliveries")
@helper
def deliveries(fake) -> dict:
    """Every webhook delivery attempt so far, oldest first, with status and response."""
    return {"object": "list", "data": fake.deliveries, "pending": fake.outbox.pending()}


@bp.post("/_sim/customers/<id>/card")
@helper
def set_card(fake, id: str) -> dict:
    """Give a customer (and its live subscriptions) a new default test card, e.g. 4000000000000341."""
    customer = fake.state.store.require("customer", id)
    return replace_card(fake.state, customer, request.values.get("card") or "")


def delivery_view(fake) -> dict:
    """The delivery options in force, as /_sim/delivery shows them."""
    policy = fake.delivery
    return {"object": "sim.delivery", "order": policy.order, "seed": str(policy.seed),
            "duplicates": policy.duplicates, "retry": policy.retry, "time_scale": policy.time_scale,
            "retry_delays": policy.retry_delays()}


@bp.get("/_sim/delivery")
@helper
def show_delivery(fake) -> dict:
    """How webhooks go out: order, seed, duplicates, retry profile and its delays (× time_scale)."""
    return delivery_view(fake)


@bp.post("/_sim/delivery")
@helper
def change_delivery(fake) -> dict:
    """Change `order` (in-order|shuffled|reversed), `seed`, `duplicates`, `retry` (test|live|none) or
    `time_scale` for the events made from now on; returns the options in force."""
    changes: dict = {}
    for name in ("order", "seed", "retry"):
        if request.values.get(name):
            changes[name] = request.values[name]
    if request.values.get("duplicates") is not None:
        changes["duplicates"] = _int("duplicates")
        if not 0 <= changes["duplicates"] <= MAX_DUPLICATES:
            raise InvalidParameter(f"duplicates must be from 0 to {MAX_DUPLICATES}", "duplicates")
    if request.values.get("time_scale") is not None:
        try:
            changes["time_scale"] = float(request.values["time_scale"])
        except ValueError:
            raise InvalidParameter(f"Invalid number: {request.values['time_scale']}", "time_scale") from None
        if not 0 <= changes["time_scale"] <= MAX_TIME_SCALE:  # NaN fails both comparisons
            raise InvalidParameter(f"time_scale must be from 0 to {MAX_TIME_SCALE:g}", "time_scale")
    policy = fake.delivery
    for name, value in changes.items():  # one at a time, so a refusal names its parameter
        try:
            policy = dataclasses.replace(policy, **{name: value})
        except InvalidOption as exc:
            raise InvalidParameter(str(exc), name) from None
    fake.set_delivery(**changes)
    return delivery_view(fake)


def sandbox_helper(view):
    """A helper about the sandboxes themselves: any key the fake accepts may call it."""
    @functools.wraps(view)
    def wrapped(**args):
        fake = current_app.extensions["fake_stripe"]
        try:
            authenticate(request.headers.get("Authorization"), fake.api_key)
            return view(fake, **args)
        except FakeStripeError as exc:
            return _json(exc.body(), exc.http_status)
    return wrapped


@bp.get("/_sim/sandboxes")
@sandbox_helper
def list_sandboxes(fake):
    """Every sandbox of this fake (ids, masked keys, object counts), the default one first."""
    return _json({"object": "list", "data": [sandbox.summary() for sandbox in fake.sandboxes.all()]})


@bp.post("/_sim/sandboxes")
@sandbox_helper
def create_sandbox(fake):
    """A new sandbox (`seed=guide|empty`, default empty) and the secret key that reaches it, shown once."""
    name = request.values.get("seed", "empty")
    if name not in SEEDS:
        error = InvalidParameter(f"Invalid seed: must be one of {', '.join(SEEDS)}", "seed")
        return _json(error.body(), error.http_status)
    sandbox, key = fake.sandboxes.create(name)
    return _json({**sandbox.summary(), "secret_key": key}, 201)


@bp.delete("/_sim/sandboxes/<id>")
@sandbox_helper
def drop_sandbox(fake, id: str):
    """Forget a sandbox, its objects and its keys (the default one is reset instead: POST /_sim/reset)."""
    try:
        fake.sandboxes.drop(id)
    except InvalidOption as exc:
        code = 400 if id in fake.sandboxes.by_id else 404
        error = InvalidParameter(str(exc), "id")
        return _json(error.body(), code)
    return _json({"id": id, "object": "sandbox", "deleted": True})
