"""Hypothesis strategies for hostile webhook deliveries, and the checks every delivery must pass.

A case is one request to the webhook endpoint. Its `kind` says what the sender could know:
- `unsigned`: no Stripe-Signature header, or an empty one;
- `forged`: a header that cannot verify (random text, random hex, another secret, a tampered or
  replayed body, a wrong method) — none of these may change anything stored;
- `signed-garbage`: a correctly signed body that is not a usable event (bytes, any JSON, deep nesting);
- `signed-mutation`: a correctly signed engine event with one field replaced, removed or added;
- `signed-event`: a correctly signed engine event as the story engine made it.
The events come from the story engine (every sequence, both payload shapes); none is built here.
"""

import copy
import functools
import hashlib
import itertools
import json
import time
from dataclasses import dataclass

from hypothesis import strategies as st
from sqlalchemy import select

from platform_adapter.schema import accounts, events, facts_table, links, redeliveries
from platform_adapter.webhooks import WEBHOOK_PATH
from simulator.delivery.signing import signature
from simulator.versions import CURRENT, PRE_BASIL

from .stories import all_events

HANDLED = ("checkout.session.completed", "invoice.paid", "customer.subscription.updated",
           "customer.subscription.deleted")
FRESH = itertools.count()
# Every field name the platform's readers look up (payloads.py, facts.py): a mutation may add one where it is absent.
READ_KEYS = ("id", "type", "created", "api_version", "data", "object", "customer", "subscription", "client_reference_id",
             "metadata", "accountRef", "mode", "status", "payment_status", "line_items", "quantity", "price", "plan",
             "product", "parent", "subscription_details", "subscription_item_details", "pricing", "price_details",
             "paid", "lines", "items", "period", "start", "end", "proration", "amount", "current_period_end",
             "cancel_at_period_end", "ended_at", "canceled_at")
UNSIGNED, FORGED, GARBAGE, MUTATION, EVENT = "unsigned", "forged", "signed-garbage", "signed-mutation", "signed-event"
KINDS = (UNSIGNED, FORGED, GARBAGE, MUTATION, EVENT)
ACCOUNT = "acct-1"  # the reference the stories' events carry
OUTCOMES = {"applied", "duplicate", "ignored", "pending", "rejected"}
LEAKS = ("INSERT ", "SELECT ", "[SQL", "[parameters", "Traceback", "sqlite3.", "psycopg", "whsec_")


@dataclass(frozen=True)
class Case:
    """One request: its kind, method, body and Stripe-Signature header (None: not sent)."""

    kind: str
    body: bytes
    header: str | None
    method: str = "POST"
    what: str = ""  # which field a mutation changed, for the report


@functools.lru_cache(maxsize=None)
def corpus() -> tuple[dict, ...]:
    """Every event of every sequence, in both payload shapes, from the story engine."""
    return tuple(all_events(CURRENT) + all_events(PRE_BASIL))


def _prices(value, found: dict) -> dict:
    if isinstance(value, dict):
        if value.get("object") in ("price", "plan") and isinstance(value.get("id"), str):
            product = value.get("product")
            found[value["id"]] = product if isinstance(product, str) else (product or {}).get("id", "prod_x")
        for child in value.values():
            _prices(child, found)
    elif isinstance(value, list):
        for child in value:
            _prices(child, found)
    return found


@functools.lru_cache(maxsize=None)
def catalogue() -> dict:
    """Every price the corpus names -> (its product, the guide's metadata), for a dict-backed Stripe."""
    prices: dict = {}
    for event in corpus():
        _prices(event, prices)
    return {price: (product, {"accountType": "professional", "interval": "1"}) for price, product in prices.items()}


def _paths(value, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value (object keys and list indexes), depth first."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        found.append(prefix + (key,))
        found += _paths(child, prefix + (key,))
    return found


@functools.lru_cache(maxsize=None)
def paths(index: int) -> tuple[tuple, ...]:
    """The places of corpus event `index`."""
    return tuple(_paths(corpus()[index]))


def _nested(depth: int, leaf="x"):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


# Values a field should never hold, and the edges of the ones it may.
SPECIAL_INTS = [0, -1, 1, 2**31, 2**53 + 1, 2**62, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**12, 253402300799,
                253402300800, 10**100]
SPECIAL_TEXT = ["", " ", "\x00", "\ud800", "evt_\udfff", "é" * 300, "a" * 5000, "paid", "complete", "subscription",
                "null", "0", "-1", "abc", "price_pro", "acct-1", "' OR 1=1 --", "\u202e", "\U0001F600" * 100]
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.sampled_from(SPECIAL_INTS),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=50), st.sampled_from(SPECIAL_TEXT))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
hostile = st.one_of(json_scalars, json_values, st.sampled_from([{}, [], {"data": 5}, {"id": 5}, {"data": [5]},
                                                                 {"object": "list", "data": None}]),
                    st.integers(1, 900).map(_nested))


def _dump(value) -> bytes:
    return json.dumps(value).encode()  # ASCII: lone surrogates become \ud800 escapes, as any JSON sender may write


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    now = int(time.time()) if timestamp is None else timestamp
    return f"t={now},v1={signature(body, secret, now)}"


@functools.lru_cache(maxsize=None)
def handled_indexes() -> tuple[int, ...]:
    """The corpus events of the guide's four types (the ones whose fields the platform reads)."""
    return tuple(i for i, e in enumerate(corpus()) if e["type"] in HANDLED)


@st.composite
def mutated_events(draw) -> tuple[bytes, str]:
    """An engine event (mostly of the four types) with one field replaced by a hostile value, or removed."""
    pool = handled_indexes() if draw(st.integers(0, 4)) else range(len(corpus()))
    index = draw(st.sampled_from(pool))
    event = copy.deepcopy(corpus()[index])
    # A fresh id, so the mutation is read rather than acknowledged as a duplicate of what was stored.
    event["id"] = f"{event['id']}_m{next(FRESH)}"
    path = draw(st.sampled_from(paths(index)))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    choice = draw(st.integers(0, 9))
    if choice == 0:
        del holder[path[-1]]
        what = "removed"
    elif choice in (1, 2) and isinstance(holder, dict):  # a field the platform reads, where this shape lacks it
        path = path[:-1] + (draw(st.sampled_from(READ_KEYS)),)
        holder[path[-1]] = draw(hostile)
        what = "added"
    else:
        holder[path[-1]] = draw(hostile)
        what = "replaced"
    return _dump(event), f"{what} {'.'.join(map(str, path))}"


garbage_bodies = st.one_of(
    st.binary(max_size=200), json_values.map(_dump), st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 200_000).map(lambda n: b"[" * n),
    st.just(b'{"id": "evt_1", "type": "invoice.paid", "created": 1, "data": {"object": 5}}'),
    st.fixed_dictionaries({"id": json_scalars, "type": st.sampled_from(["invoice.paid", "checkout.session.completed",
                                                                        "customer.subscription.updated", "x"]),
                           "created": json_scalars, "data": json_values}).map(_dump))

header_text = st.text(alphabet=st.characters(max_codepoint=255, blacklist_characters="\r\n"), max_size=120)
hex64 = st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=70)


@st.composite
def forged_headers(draw, body: bytes, secret: str) -> str:
    """A Stripe-Signature header that cannot verify `body` with `secret`."""
    now = int(time.time())
    choice = draw(st.integers(0, 6))
    if choice == 0:
        return draw(header_text.filter(bool))
    if choice == 1:
        t = draw(st.one_of(st.integers(), st.just(now), header_text))
        parts = [f"t={t}"] + [f"v1={draw(hex64)}" for _ in range(draw(st.integers(0, 3)))]
        return ",".join(parts)
    if choice == 2:
        return sign(body, secret + "x")  # another secret
    if choice == 3:
        return sign(body, secret, now - draw(st.integers(301, 10**9)))  # replayed after the tolerance
    if choice == 4:
        return f"t={now},v0={signature(body, secret, now)}"  # the test-mode v0 only
    if choice == 5:
        return sign(body, secret).upper()
    return f"t={now},v1={signature(body, secret, now)}é"  # the right signature with a non-ASCII tail


@st.composite
def cases(draw, secret: str) -> Case:
    """Any delivery a stranger, a broken sender or Stripe itself could make."""
    kind = draw(st.sampled_from(KINDS))
    if kind == EVENT:
        body = _dump(draw(st.sampled_from(corpus())))
        return Case(kind, body, sign(body, secret))
    if kind == MUTATION:
        body, what = draw(mutated_events())
        return Case(kind, body, sign(body, secret), what=what)
    if kind == GARBAGE:
        body = draw(garbage_bodies)
        return Case(kind, body, sign(body, secret))
    body = draw(st.one_of(mutated_events().map(lambda m: m[0]), st.sampled_from(corpus()).map(_dump), garbage_bodies))
    if kind == UNSIGNED:
        return Case(kind, body, draw(st.sampled_from([None, ""])))
    if draw(st.integers(0, 19)) == 7:  # a signed body, but not by POST (7: hypothesis favours 0)
        return Case(kind, body, sign(body, secret), method=draw(st.sampled_from(["GET", "PUT", "OPTIONS", "DELETE"])))
    if draw(st.booleans()):  # signed correctly, then tampered with
        header = sign(body, secret)
        body = body + b" " if draw(st.booleans()) else b" " + body  # still the same JSON, no longer the signed bytes
        return Case(kind, body, header)
    return Case(kind, body, draw(forged_headers(body, secret)))


def digest(store) -> str:
    """A fingerprint of everything a delivery may change (not the delivery log, which records refusals)."""
    h = hashlib.sha256()
    with store.read() as tx:
        for query in (select(accounts).order_by(accounts.c.id), select(links).order_by(links.c.kind, links.c.stripe_id),
                      select(facts_table).order_by(facts_table.c.account_id, facts_table.c.key),
                      select(events.c.id, events.c.outcome, events.c.reason_code, events.c.account_id,
                             events.c.facts).order_by(events.c.id),
                      select(redeliveries).order_by(redeliveries.c.seq)):
            for row in tx.conn.execute(query):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Answer:
    """What the endpoint answered a case, and whether stored state changed."""

    status: int
    code: str  # "<outcome> <reasonCode>" for a 200, else the error's reason or code
    changed: bool
    problems: tuple[str, ...]


def send(client, store, case: Case) -> Answer:
    """Deliver a case through a Flask test client; check the answer against the contract."""
    forged = case.kind in (UNSIGNED, FORGED)
    before = digest(store) if forged else None
    headers = {"Content-Type": "application/json"}
    if case.header is not None:
        headers["Stripe-Signature"] = case.header
    response = client.open(WEBHOOK_PATH, method=case.method, data=case.body, headers=headers)
    text = response.get_data(as_text=True)
    problems = []
    code = "?"
    try:
        answer = json.loads(text)
    except ValueError:
        problems.append(f"not JSON: {text[:100]!r}")
        answer = {}
    if response.status_code == 200:
        outcome = answer.get("outcome", "?")
        code = f"{outcome} {answer.get('reasonCode')}"
        if outcome not in OUTCOMES:
            problems.append(f"200 with outcome {outcome!r}")
        elif outcome in ("rejected", "ignored", "pending", "duplicate") and not answer.get("reasonCode"):
            problems.append(f"{outcome} without a reasonCode")
    elif isinstance(answer.get("error"), dict):
        code = answer["error"].get("reason") or answer["error"].get("code", "?")
    if response.status_code >= 500:
        problems.append(f"{response.status_code} {text[:200]}")
    problems += [f"leaks {word!r}" for word in LEAKS if word in text]
    changed = forged and digest(store) != before
    if changed:
        problems.append("an unsigned or forged request changed stored state")
    return Answer(response.status_code, code, changed, tuple(problems))
