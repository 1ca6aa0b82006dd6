"""Stripe-Version on the fake: every version of the table answers, newer ones are served as the newest (and said
so), malformed ones are refused; endive's removal of `payment_method_types` answers with Stripe's code."""

import pytest

from simulator.versions import ENDIVE, KNOWN_VERSIONS, NEWEST

FROM_2024_06_20 = [v for v in KNOWN_VERSIONS if v >= "2024-06-20"]


def test_every_dated_version_from_2024_06_20_to_the_newest_answers(http):
    for version in FROM_2024_06_20:
        answer = http("POST", "/v1/customers", data={"email": "v@example.com"}, headers={"Stripe-Version": version})
        assert answer.status_code == 200, (version, answer.text)
        assert answer.headers["Stripe-Version"] == version and "Stripe-Version-Requested" not in answer.headers
        listed = http("GET", "/v1/customers", params={"limit": 1}, headers={"Stripe-Version": version})
        assert listed.status_code == 200, (version, listed.text)


@pytest.mark.parametrize("requested", ["2026-11-18.endive", "2026-12-16.endive", "2027-03-31.fig", "2031-01-01"])
def test_newer_versions_are_served_as_the_newest_with_a_header_saying_so(http, requested):
    answer = http("POST", "/v1/customers", data={"email": "n@example.com"}, headers={"Stripe-Version": requested})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Stripe-Version"] == NEWEST
    assert answer.headers.get("Stripe-Version-Requested") == (None if requested == NEWEST else requested)


@pytest.mark.parametrize("requested", ["2020-13-45", "banana", "2026-10-28.Endive", "2025-05-01",
                                       "2025-05-28.clover"])
def test_malformed_or_unpublished_versions_are_400(http, requested):
    answer = http("GET", "/v1/customers", headers={"Stripe-Version": requested})
    assert answer.status_code == 400
    assert answer.json()["error"] == {**answer.json()["error"], "code": "api_version_invalid",
                                      "message": f"Invalid Stripe API version: {requested}"}


SESSION = {"mode": "payment", "success_url": "https://example.com/ok", "line_items[0][quantity]": "1"}


@pytest.mark.parametrize("path, data", [
    ("/v1/checkout/sessions", SESSION),
    ("/v1/payment_intents", {"amount": "500", "currency": "usd"}),
    ("/v1/setup_intents", {}),
])
def test_endive_refuses_payment_method_types_with_stripes_code(http, guide, path, data):
    price = guide["professional_1m_one_time"].id
    sent = {**data, "payment_method_types[0]": "card", **({"line_items[0][price]": price} if "mode" in data else {})}
    for version in (ENDIVE, NEWEST, "2027-01-27.endive"):
        refused = http("POST", path, data=sent, headers={"Stripe-Version": version})
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["param"], error["type"]) == (
            "payment_method_types_no_longer_supported", "payment_method_types", "invalid_request_error")
    assert http("GET", "/v1/checkout/sessions").json()["data"] == []  # nothing was made


def test_before_endive_checkout_accepts_payment_method_types(http, guide):
    session = {**SESSION, "line_items[0][price]": guide["professional_1m_one_time"].id}
    made = http("POST", "/v1/checkout/sessions", data={**session, "payment_method_types[0]": "card"},
                headers={"Stripe-Version": "2026-08-26.dahlia"})
    assert made.status_code == 200, made.text
    assert made.json()["payment_method_types"] == ["card"]
    assert http("POST", "/v1/checkout/sessions", data=session, headers={"Stripe-Version": ENDIVE}).status_code == 200


@pytest.mark.slow  # runs bash and curl
def test_the_docs_curl_example_shows_both_headers(base_url):
    import re
    import subprocess
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "fake-stripe.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```sh\n(.*?)```", doc, flags=re.S) if "Stripe-Version-Requested" in b)
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    script = block.replace("http://127.0.0.1:12180", base_url)
    out = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=30).stdout
    assert [line.strip() for line in out.splitlines()] == expected
