"""Hostile HTTP requests for the fake Stripe's API and helpers and for the platform's pages and probe.

A case is one request over real HTTP on 127.0.0.1. Its `kind` says what the sender holds:
- `forged`: no key, a wrong or live key, a forged cookie, a wrong probe token — nothing may change;
- `authorized`: the right key (fake) or probe token (platform), with hostile paths, parameters and bodies.
Every answer must come within 5 s (else it counts as a hang), be no 5xx, and carry no traceback or secret.
For every forged case a fingerprint of the state is taken before and after: it must not change.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from hypothesis import strategies as st
from sqlalchemy import func, select

from platform_adapter.schema import (accounts, config_table, events, facts_table, links, products_table,
                                     web_sessions_table)

FORGED, AUTHORIZED = "forged", "authorized"
KINDS = (FORGED, AUTHORIZED)
TIMEOUT_S = 5.0
LEAKS = ("Traceback", "[SQL", "[parameters", "sqlite3.", "psycopg")  # and the run's own secrets, by value
SPECIAL_INTS = ["0", "-1", "1", "2147483648", "9007199254740993", "99999999999999999999999999", "1e308", "nan", "-0",
                "31536000000", "253402300800", "0x10", " 7", "7 "]
SPECIAL_TEXT = ["", " ", "\x00", "\n\rCRITICAL forged", "é" * 300, "a" * 5000, "%", "%zz", "../../etc/passwd",
                "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:x}", "true", "null", "[]", "{}", "\u2028",
                "\U0001F600", "evt_1", "cus_1", "price_1", "*", "a" * 70, "sk_live_123", "pk_test_1"]
KEY_SHAPES = ["{k}", "{k}[]", "{k}[0]", "{k}[0][{k}]", "{k}[{k}][{k}]", "expand[]", "metadata[{k}]", "{k}[",
              "{k}]", "[{k}]", "{k}[[0]]", "line_items[0][{k}]", "items[{n}][price]", "a" + "[a]" * 30]
PARAM_NAMES = ["limit", "starting_after", "ending_before", "expand", "metadata", "name", "email", "price", "product",
               "currency", "unit_amount", "recurring", "interval", "interval_count", "mode", "line_items", "customer",
               "quantity", "tax_rates", "success_url", "cancel_url", "active", "type", "query", "page", "created",
               "frozen_time", "seconds", "to", "card", "order", "seed", "duplicates", "retry", "time_scale", "after",
               "api_version", "items", "cancel_at_period_end", "proration_behavior", "lookup_keys", "percentage",
               "inclusive", "display_name", "id", "url", "enabled_events", "payment_method", "subscription"]


@dataclass(frozen=True)
class Request:
    """One request: kind, method, path (query included), form pairs or a raw body, and headers."""

    kind: str
    method: str
    path: str
    form: tuple = ()
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)


@dataclass
class Answer:
    """What came back, and what is wrong with it."""

    status: int
    seconds: float
    changed: bool
    problems: tuple


def _text():
    return st.one_of(st.sampled_from(SPECIAL_TEXT), st.sampled_from(SPECIAL_INTS),
                     st.text(max_size=40), st.text(alphabet=st.characters(codec="latin-1"), max_size=20))


@st.composite
def form_pairs(draw, ids: list[str]) -> tuple:
    """Form-encoded parameters: Stripe's bracket syntax, broken brackets, hostile values, real ids."""
    pairs = []
    for _ in range(draw(st.integers(0, 6))):
        shape = draw(st.sampled_from(KEY_SHAPES))
        key = shape.format(k=draw(st.sampled_from(PARAM_NAMES) | st.text(max_size=8)), n=draw(st.integers(-2, 150)))
        value = draw(st.one_of(_text(), st.sampled_from(ids or ["x"])))
        pairs.append((key, value))
    return tuple(pairs)


def _segment(draw, ids: list[str]) -> str:
    if draw(st.integers(0, 3)):  # mostly a real id, so the handlers behind the 404 are reached too
        return draw(st.sampled_from(ids or ["x"]))
    return draw(_text().map(lambda t: quote(t, safe="")))


def _fill(draw, template: str, ids: list[str]) -> str:
    """A route template with each <placeholder> replaced by a real id or a hostile segment."""
    parts = [(_segment(draw, ids) if p.startswith("<") else p) for p in template.split("/")]
    return "/".join(parts)


@st.composite
def fake_requests(draw, routes: list[tuple[str, str]], helpers: list[tuple[str, str]], ids: list[str],
                  key: str) -> Request:
    """A request to the fake: an API route or a helper, with the key (authorized) or without (forged)."""
    kind = draw(st.sampled_from(KINDS))
    method, template = draw(st.sampled_from(routes + helpers + [("GET", "/c/pay/<id>"), ("POST", "/c/pay/<id>"),
                                                               ("GET", "/v1/<x>"), ("POST", "/_sim/<x>")]))
    method = draw(st.sampled_from([method] * 6 + ["PUT", "DELETE", "PATCH"]))
    path = _fill(draw, template, ids)
    if draw(st.booleans()):
        path += "?" + "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in draw(form_pairs(ids)))
    if template.startswith("/c/pay/"):  # the hosted page is public (a browser opens it): paying is allowed
        kind = AUTHORIZED
    if kind == AUTHORIZED:
        headers = {"Authorization": f"Bearer {key}"}
    else:
        headers = draw(st.sampled_from([{}, {"Authorization": "Bearer sk_live_forged123"},
                                        {"Authorization": "Bearer sk_test_not_the_pinned_one"},
                                        {"Authorization": "Bearer pk_test_123"}, {"Authorization": "Basic !!!"},
                                        {"Authorization": "Bearer "}, {"Authorization": key}]))
    extra = draw(st.sampled_from([{}, {"Stripe-Version": "1999-01-01"}, {"Stripe-Version": "2025-02-24.acacia"},
                                  {"Idempotency-Key": "k"}, {"Content-Type": "application/json"},
                                  {"Stripe-Account": "acct_other"}]))
    body = None
    form = draw(form_pairs(ids)) if method in ("POST", "PUT", "PATCH", "DELETE") else ()
    if draw(st.integers(0, 9)) == 0:
        body, form = draw(st.binary(max_size=200)), ()
    return Request(kind, method, path, form, body, {**headers, **extra})


def fake_fingerprint(fake) -> tuple:
    """What any change to the fake's account shows in: objects, newest event, clock offset, delivery options."""
    state = fake.state
    return (len(state.store), state.store.newest("event"), state.clock.offset, repr(fake.delivery))


@st.composite
def platform_requests(draw, paths: list[tuple[str, str]], token: str, refs: list[str], prices: list[str]) -> Request:
    """A request to the platform: a page or a probe route, forged (no/wrong token, forged cookie) or authorized."""
    kind = draw(st.sampled_from(KINDS))
    method, template = draw(st.sampled_from(paths))
    method = draw(st.sampled_from([method] * 6 + ["GET", "POST", "PUT", "DELETE"]))
    probe = template.startswith("/api/")
    if probe and kind == AUTHORIZED and template.endswith(("/accounts/<ref>",)):
        path = template.replace("<ref>", draw(st.sampled_from(refs) | _text().map(lambda t: quote(t, safe=""))))
    else:
        path = _fill(draw, template.replace("<ref>", "<id>"), refs)
    if draw(st.booleans()):
        path += "?" + "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in draw(form_pairs(refs)))
    headers = {"Accept": draw(st.sampled_from(["text/html", "application/json", "*/*", "x/\x7f"]))}
    if probe and kind == AUTHORIZED:
        headers["Authorization"] = f"Bearer {token}"
    elif probe:
        headers["Authorization"] = draw(st.sampled_from(["", "Bearer wrong", f"Basic {token}", token, "Bearer"]))
    cookies = {}
    if kind == FORGED and draw(st.booleans()):
        cookies["simplex_session"] = draw(st.sampled_from([
            "eyJhZG1pbiI6dHJ1ZX0.forged.signature", "eyJhY2NvdW50IjoiYWNjdC0xIn0", "", "x" * 4000,
            ".eJyrVkpMzs0vzStRslJQSkksSVWqBQBF3Ab1.Zz.forged"]))
    body, form = None, ()
    if method in ("POST", "PUT", "DELETE"):
        if probe:
            value = draw(st.one_of(
                st.fixed_dictionaries({}, optional={
                    "email": st.one_of(st.emails(), _text(), st.integers(), st.none()),
                    "id": st.one_of(st.sampled_from(refs), _text(), st.integers(), st.none(), st.lists(st.text())),
                    "account": st.one_of(st.sampled_from(refs), _text(), st.integers(), st.none()),
                    "price": st.one_of(st.sampled_from(prices or ["price_1"]), _text(), st.integers()),
                    "currency": st.one_of(st.sampled_from(["usd", "eur", "chf", "xxx"]), _text(), st.floats()),
                    "publishableKey": st.one_of(st.sampled_from(["pk_test_1", "pk_live_1"]), _text()),
                    "secretKey": st.one_of(st.sampled_from(["sk_test_1", "sk_live_1", "sk_test_" + "a" * 300]),
                                           _text()),
                    "webhookSecret": st.one_of(st.sampled_from(["whsec_1"]), _text())}),
                st.lists(st.integers(), max_size=3), st.none(), st.text(max_size=20)))
            body = draw(st.one_of(st.just(json.dumps(value).encode()), st.binary(max_size=100)))
            headers["Content-Type"] = "application/json"
        else:
            form = draw(form_pairs(refs + prices + ["csrf_token", "password", "email"]))
            if draw(st.booleans()):
                form += (("csrf_token", draw(_text())),)
    return Request(kind, method, path, form, body, headers, cookies)


def platform_fingerprint(store) -> str:
    """A digest of what forged input must never change: accounts, links, facts, events, saved keys, sessions."""
    with store.read() as tx:
        rows = [list(tx.conn.execute(select(table).order_by(*table.primary_key.columns)))
                for table in (accounts, links, facts_table, events, products_table, web_sessions_table)]
        config = list(tx.conn.execute(select(config_table.c.name, config_table.c.value).order_by(config_table.c.name)))
        rows.append([row for row in config if not row[0].startswith("webhook_test.")])
        rows.append([tx.conn.execute(select(func.count()).select_from(web_sessions_table)).scalar_one()])
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def send(session: requests.Session, base: str, request: Request, fingerprint, secrets: tuple[str, ...] = ()) -> Answer:
    """Send one request; check the answer (status, time, leaks) and, for a forged one, that nothing changed."""
    before = fingerprint() if request.kind == FORGED else None
    started = time.monotonic()
    problems = []
    try:
        response = session.request(request.method, base + request.path, data=request.body or list(request.form),
                                   headers=request.headers, cookies=request.cookies, timeout=TIMEOUT_S,
                                   allow_redirects=False)
        status, text = response.status_code, response.text
    except requests.Timeout:
        status, text = 0, ""
        problems.append("no answer within 5 s")
    except requests.ConnectionError as exc:  # the server closed without an answer
        status, text = -1, ""
        problems.append(f"connection closed without an answer: {type(exc).__name__}")
    seconds = time.monotonic() - started
    if status >= 500:
        problems.append(f"status {status}")
    problems += [f"leaks {leak!r}" for leak in LEAKS if leak in text]
    problems += ["leaks a secret" for secret in secrets if secret and secret in text]
    changed = before is not None and fingerprint() != before
    if changed:
        problems.append("forged input changed the state")
    return Answer(status, seconds, changed, tuple(problems))
