"""Search endpoints: Stripe's query language over stored objects, `next_page` pagination, Stripe-shaped refusals."""

import pytest

from simulator.engine.errors import InvalidRequest
from simulator.api.search import parse
from simulator.spec import validator


def search(http, resource: str, query: str, **params) -> dict:
    response = http("GET", f"/v1/{resource}/search", params={"query": query, **params})
    return response.json()


def names(result: dict) -> list[str]:
    return sorted(obj["name"] for obj in result["data"])


def test_metadata_exact_match_and_negation(http):
    pro = search(http, "products", "metadata['accountType']:'professional'")
    assert names(pro) == ["1-month Professional Account", "12-month Professional Account"]
    assert validator().validate_response(pro, "GET", "/v1/products/search") == []
    assert search(http, "products", "metadata['accountType']:'Professional'")["data"] == []
    yearly = search(http, "products", "metadata['accountType']:'professional' AND -metadata['interval']:'1'")
    assert names(yearly) == ["12-month Professional Account"]
    assert names(search(http, "products", "metadata[\"interval\"]:'12'")) == ["12-month Professional Account"]


def test_substring_or_and_boolean_fields(http):
    business = search(http, "products", "name~'business' OR metadata['interval']:'12'")
    assert names(business) == ["1-month Business Account", "12-month Professional Account"]
    assert len(search(http, "products", "active:'true'")["data"]) == 3
    assert search(http, "products", "active:'false'")["data"] == []
    assert len(search(http, "prices", "type:'recurring' currency:'usd'")["data"]) == 3


def test_null_matches_a_missing_metadata_key(http):
    customer = http("POST", "/v1/customers", data={"email": "a@example.com", "metadata[plan]": "x"}).json()
    http("POST", "/v1/customers", data={"email": "b@example.com"})
    found = search(http, "customers", "-metadata['plan']:null")
    assert [c["id"] for c in found["data"]] == [customer["id"]]
    assert len(search(http, "customers", "metadata['plan']:null")["data"]) == 1


def test_numeric_comparisons_and_pagination_with_next_page(http, fake):
    for n in range(5):
        http("POST", "/v1/customers", data={"email": f"user{n}@example.com"})
    seen, page = [], None
    while True:
        result = search(http, "customers", f"created>={fake.now - 10} AND email~'example.com'", limit=2,
                        **({"page": page} if page else {}))
        seen += [c["email"] for c in result["data"]]
        if not result["has_more"]:
            assert result["next_page"] is None
            break
        page = result["next_page"]
    assert sorted(seen) == [f"user{n}@example.com" for n in range(5)]
    assert search(http, "customers", f"created>{fake.now}")["data"] == []


@pytest.mark.parametrize(("query", "message"), [
    ("colour:'red'", "Field `colour` is an unsupported search field for resource `products`"),
    ("name~'ab'", "substring operator"),
    ("name:'a' AND active:'true' OR url:'x'", "cannot combine AND and OR"),
    ("(name:'a')", "Could not parse the query"),
    ("name:'a' AND", "Could not parse the query"),
    ("name>'a'", "needs a numeric field"),
    ("active:'maybe'", "takes 'true' or 'false'"),
    (" OR ".join(f"name:'{n}'" for n in range(11)), "at most 10 clauses"),
])
def test_queries_the_grammar_does_not_cover_are_refused(http, query, message):
    response = http("GET", "/v1/products/search", params={"query": query})
    error = response.json()["error"]
    assert (response.status_code, error["type"], error["param"]) == (400, "invalid_request_error", "query")
    assert message in error["message"]


def test_search_is_not_routed_as_a_retrieve(http):
    missing = http("GET", "/v1/products/search").json()["error"]
    assert (missing["code"], missing["param"]) == ("parameter_missing", "query")
    bad_page = http("GET", "/v1/customers/search", params={"query": "email~'exa'", "page": "nonsense"}).json()
    assert bad_page["error"]["param"] == "page"


def test_every_search_endpoint_answers(http):
    for resource in ("customers", "products", "prices", "invoices", "subscriptions", "payment_intents", "charges"):
        result = search(http, resource, "created>0" if resource not in ("products", "prices") else "active:'true'")
        assert result["object"] == "search_result", (resource, result)


def test_parse_returns_the_join_and_clauses():
    assert parse("email~'abc' metadata['k']:'v'", "customers") == (
        "AND", [(False, "email", None, "~", "abc"), (False, "metadata['k']", "k", ":", "v")])
    with pytest.raises(InvalidRequest):
        parse("", "customers")
