"""`GET /v1/{resource}/search`: Stripe's search query language over the stored objects, with `next_page`.

    email~'example.com' AND metadata['accountType']:'professional'     created>1700000000 OR -status:'active'

A query is up to 10 clauses joined by spaces or `AND`, or by `OR` (not both); a clause is `field:value`
(exact), `field~value` (substring, at least 3 characters), `field>value` (also `<`, `>=`, `<=`, numbers),
optionally negated with `-`; `metadata['key']` names a metadata key and `:null` matches a missing value.
"""

import base64
import re
from typing import Any, Callable

from ..engine.errors import InvalidRequest
from ..engine.rendering import render
from .context import Call

MAX_CLAUSES = 10
NUMERIC_OPS = (">", "<", ">=", "<=")
CLAUSE = re.compile(r"""(?P<neg>-)?(?P<field>metadata\[(?P<q>['"])(?P<key>[^'"\]]*)(?P=q)\]|[a-z_][a-z0-9_.]*)
                        (?P<op>:|~|>=|<=|>|<)
                        (?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"()]+)""", re.X)
JOIN = re.compile(r"\s+(?:(AND|OR)\s+)?")


def _path(*keys: str) -> Callable[[dict], Any]:
    def read(obj: dict) -> Any:
        for key in keys:
            obj = obj.get(key) if isinstance(obj, dict) else None
        return obj
    return read


def _field(name: str) -> Callable[[dict], Any]:
    return _path(*name.split("."))


# resource -> field -> (reader, kind); kind: "string" (`:` and `~`), "token" (`:` only), "number", "boolean".
def _fields(spec: dict[str, str], **readers: Callable) -> dict[str, tuple[Callable, str]]:
    return {name: (readers.get(name.replace(".", "_"), _field(name)), kind) for name, kind in spec.items()}


FIELDS: dict[str, tuple[str, dict[str, tuple[Callable, str]]]] = {
    "customers": ("customer", _fields({"created": "number", "email": "string", "name": "string",
                                        "phone": "string"})),
    "products": ("product", _fields({"active": "boolean", "description": "string", "name": "string",
                                      "shippable": "boolean", "url": "string"})),
    "prices": ("price", _fields({"active": "boolean", "currency": "token", "lookup_key": "string",
                                  "product": "token", "type": "token"})),
    "invoices": ("invoice", _fields(
        {"created": "number", "currency": "token", "customer": "token", "last_finalization_error_code": "token",
         "last_finalization_error_type": "token", "number": "string", "receipt_number": "string",
         "status": "token", "subscription": "token", "total": "number"},
        subscription=lambda inv: inv.get("subscription") or _path("parent", "subscription_details",
                                                                   "subscription")(inv),
        last_finalization_error_code=_path("last_finalization_error", "code"),
        last_finalization_error_type=_path("last_finalization_error", "type"))),
    "subscriptions": ("subscription", _fields({"created": "number", "status": "token"})),
    "payment_intents": ("payment_intent", _fields({"amount": "number", "created": "number", "currency": "token",
                                                    "customer": "token", "status": "token"})),
    "charges": ("charge", _fields(
        {"amount": "number", "billing_details.address.postal_code": "string", "created": "number",
         "currency": "token", "customer": "token", "disputed": "boolean",
         "payment_method_details.card.last4": "token", "payment_method_details.card.exp_month": "number",
         "payment_method_details.card.exp_year": "number", "payment_method_details.card.brand": "token",
         "payment_method_details.card.fingerprint": "token", "refunded": "boolean", "status": "token"})),
}


class QueryError(InvalidRequest):
    """A search query the grammar does not cover."""

    def __init__(self, message: str) -> None:
        super().__init__(message, param="query")


def parse(query: str, resource: str) -> tuple[str, list[tuple[bool, str, str | None, str, str | None]]]:
    """(`AND`/`OR`, [(negated, field, metadata key, operator, value)]) or QueryError."""
    clauses, joins, at, text = [], set(), 0, query.strip()
    if not text:
        raise QueryError("The query must not be empty. See https://stripe.com/docs/search#search-query-language.")
    while True:
        match = CLAUSE.match(text, at)
        if match is None:
            raise QueryError(f"Could not parse the query at position {at}: `{text[at:at + 30]}`. See "
                             "https://stripe.com/docs/search#search-query-language.")
        clauses.append(_clause(match, resource))
        at = match.end()
        if at == len(text):
            break
        join = JOIN.match(text, at)
        if join is None or join.end() == len(text):
            raise QueryError(f"Could not parse the query at position {at}: `{text[at:at + 30]}`. See "
                             "https://stripe.com/docs/search#search-query-language.")
        joins.add(join.group(1) or "AND")
        at = join.end()
    if len(joins) > 1:
        raise QueryError("A query cannot combine AND and OR. See https://stripe.com/docs/search#search-syntax.")
    if len(clauses) > MAX_CLAUSES:
        raise QueryError(f"A query can have at most {MAX_CLAUSES} clauses.")
    return (joins.pop() if joins else "AND"), clauses


def _clause(match: re.Match, resource: str) -> tuple:
    field, key, op = match["field"], match["key"], match["op"]
    raw = match["value"]
    value = None if raw == "null" else re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw[0] in "'\"" else raw
    name = "metadata" if key is not None else field
    fields = FIELDS[resource][1]
    if key is None and field not in fields:
        raise QueryError(f"Field `{field}` is an unsupported search field for resource `{resource}`. See "
                         f"https://stripe.com/docs/search#query-fields-for-{resource.replace('_', '-')} for a list "
                         "of supported fields.")
    kind = "metadata" if key is not None else fields[field][1]
    if op == "~" and (kind not in ("string", "metadata") or value is None or len(value) < 3):
        raise QueryError(f"The substring operator `~` needs a text field and at least 3 characters (`{name}`).")
    if op in NUMERIC_OPS and (kind != "number" or value is None or not re.fullmatch(r"-?\d+", value)):
        raise QueryError(f"The operator `{op}` needs a numeric field and an integer value (`{name}`).")
    if kind == "boolean" and value not in ("true", "false", None):
        raise QueryError(f"`{name}` takes 'true' or 'false'.")
    return bool(match["neg"]), field, key, op, value


def _test(obj: dict, resource: str, clause: tuple) -> bool:
    negated, field, key, op, value = clause
    if key is not None:
        actual = (obj.get("metadata") or {}).get(key)
    else:
        actual = FIELDS[resource][1][field][0](obj)
    if value is None:
        hit = actual is None
    elif actual is None:
        hit = False
    elif op == "~":
        hit = value.lower() in str(actual).lower()
    elif op in NUMERIC_OPS:
        hit = isinstance(actual, int) and {">": actual > int(value), "<": actual < int(value),
                                           ">=": actual >= int(value), "<=": actual <= int(value)}[op]
    elif isinstance(actual, bool):
        hit = str(actual).lower() == value
    elif isinstance(actual, int):
        hit = str(actual) == value
    else:
        # Metadata values match exactly; other text fields ignore case, as Stripe's do.
        hit = actual == value if key is not None else actual.lower() == value.lower()
    return hit != negated


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(page: str | None) -> int:
    if page is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(page.encode()).decode()
        label, _, number = text.partition(":")
        if label == "offset" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidRequest(f"Invalid page: {page}. Use the `next_page` value of a previous search.", param="page")


def search(resource: str):
    """The handler of `GET /v1/<resource>/search`."""
    kind, _ = FIELDS[resource]

    def handler(call: Call) -> dict:
        p = call.params
        join, clauses = parse(p["query"], resource)
        combine = all if join == "AND" else any
        found = []
        for record in reversed(list(call.state.store.all(kind))):
            obj = render(call.state, record, call.version)
            if combine(_test(obj, resource, clause) for clause in clauses):
                found.append(obj)
        start, limit = _offset(p.get("page")), p.get("limit", 10)
        chosen = found[start:start + limit]
        more = start + len(chosen) < len(found)
        return {"object": "search_result", "data": chosen, "has_more": more,
                "next_page": _cursor(start + len(chosen)) if more else None, "url": f"/v1/{resource}/search"}
    handler.__doc__ = f"GET /v1/{resource}/search."
    return handler


ROUTES = [("GET", f"/v1/{resource}/search", search(resource)) for resource in FIELDS]
