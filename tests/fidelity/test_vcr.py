"""`compare` on recorded HTTP cassettes (VCR YAML: vcrpy's and Ruby VCR's), with seeding of the objects the
recording's account already had; and honest scores: nothing compared is "no evidence", never 100 %."""

import base64
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fidelity import examples, vcr
from simulator.fidelity.compare import Tally
from simulator.fidelity.report import Report

pytestmark = pytest.mark.timeout(120)
TRAFFIC = examples.path("sdk-traffic")


def run(*args) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["compare", *args, "--json", "--limit", "5000"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def differences(report: dict) -> list[dict]:
    return [d for story in report["stories"] for step in story["steps"] for d in step["differences"]]


def interactions() -> list[dict]:
    return yaml.safe_load(TRAFFIC.read_text())["interactions"]


def write(tmp_path: Path, items: list[dict], name: str = "planted.yaml", key: str = "interactions") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({key: items}, sort_keys=False))
    return path


def test_the_projects_vcr_cassette_scores_100_with_its_plan_seeded():
    """Re-record with `python -m simulator.fidelity.vcr_example` after a deliberate change to the fake."""
    code, report = run("example:sdk-traffic", "--min-score", "99")
    assert code == 0 and report["passed"] and report["basis"] == "responses" and report["evidence"]
    assert report["score"] == 100.0 and report["responses"]["compared"] > 500
    assert report["replay"]["requests"] == {"recorded": 13, "replayed": 13}
    # The 404 of a customer that never existed is sent as recorded (and answered as recorded).
    assert report["replay"]["ids"]["unresolved"] == ["cus_NoSuchCustomer0001"]
    seeded = {s["recorded"]: s for s in report["stories"][0]["seeded"]}
    assert seeded["gold"]["kind"] == "product" and seeded["gold"]["replay"] == "gold"
    assert seeded["gold-monthly"]["kind"] == "price" and seeded["gold-monthly"]["replay"].startswith("price_")


def test_the_text_report_explains_the_seeding_and_what_was_replayed():
    result = CliRunner().invoke(main, ["compare", str(TRAFFIC)])
    assert result.exit_code == 0, result.output
    assert "price gold-monthly -> price_" in result.output and "product gold -> gold" in result.output
    assert "replayed: steps 1/1, requests 13/13" in result.output
    assert "fidelity score: 100.00% of response fields (" in result.output


def test_without_seeding_the_plan_the_replay_differs():
    """The seeding is what makes the recording replayable: a replay that skips it is refused where `gold-monthly`
    is named (so the check above can fail)."""
    from simulator.fidelity import seeding

    original = seeding.plan
    try:
        seeding.plan = lambda story: ([], [])
        code, report = run(str(TRAFFIC), "--min-score", "99")
    finally:
        seeding.plan = original
    assert code == 1 and report["score"] < 99
    assert any(d["where"] == "GET /v1/prices/gold-monthly" and d["path"] == "(status)" for d in differences(report))


def test_planted_differences_are_each_named(tmp_path):
    items = interactions()
    created = json.loads(items[0]["response"]["body"]["string"])
    created["email"] = "someone-else@example.com"
    items[0]["response"]["body"]["string"] = json.dumps(created)
    items[-1]["response"]["status"]["code"] = 400
    path = write(tmp_path, items)
    code, report = run(str(path), "--min-score", "99")
    found = {(d["where"], d["path"]): d for d in differences(report)}
    email = found[("POST /v1/customers", "email")]
    assert (email["kind"], email["recorded"], email["replayed"]) == (
        "value", "'someone-else@example.com'", "'vcr@example.com'")
    status = found[("GET /v1/customers/cus#2", "(status)")]
    assert (status["recorded"], status["replayed"]) == ("400", "404")
    assert len(differences(report)) == 2 and report["score"] >= 99 and report["score"] < 100


def test_ruby_vcr_format_reads_the_same(tmp_path):
    items = []
    for n, item in enumerate(interactions()):
        body = item["response"]["body"]["string"]
        response_body = ({"encoding": "ASCII-8BIT", "base64_string": base64.b64encode(body.encode()).decode()}
                         if n % 2 else {"encoding": "UTF-8", "string": body})
        items.append({"request": {"method": item["request"]["method"].lower(), "uri": item["request"]["uri"],
                                  "body": {"encoding": "UTF-8", "string": item["request"]["body"] or ""},
                                  "headers": item["request"]["headers"]},
                      "response": {"status": item["response"]["status"], "headers": item["response"]["headers"],
                                   "body": response_body},
                      "recorded_at": "Mon, 07 Dec 2026 10:00:00 GMT"})
    path = write(tmp_path, items, "ruby.yml", key="http_interactions")
    code, report = run(str(path), "--min-score", "99")
    assert code == 0 and report["score"] == 100.0 and report["replay"]["requests"]["replayed"] == 13


def test_interactions_off_the_stripe_api_are_counted_as_not_replayable(tmp_path):
    other = {"request": {"method": "GET", "uri": "https://hooks.example.com/ping", "body": None, "headers": {}},
             "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "pong"}}}
    path = write(tmp_path, [*interactions(), other])
    code, report = run(str(path))
    assert code == 0 and report["replay"]["not_replayable"] == [
        "GET hooks.example.com/ping: not a Stripe API path"]


def test_a_recording_without_events_is_no_evidence_and_fails_min_score(recorded_cassette, tmp_path):
    story = recorded_cassette["stories"][-1]
    for step in story["steps"]:
        step["events"] = []
    path = tmp_path / "no-events.json"
    path.write_text(json.dumps({**recorded_cassette, "stories": [story]}))
    result = CliRunner().invoke(main, ["compare", str(path), "--min-score", "99.5"])
    assert result.exit_code == 1, result.output
    assert "100.00% of event fields" not in result.output
    assert "fidelity score: no evidence (0 event fields compared: the recording has no events)" in result.output
    code, report = run(str(path), "--min-score", "0")
    assert code == 1 and report["score"] is None and report["evidence"] is False and report["passed"] is False
    assert report["responses"]["score"] == 100.0  # the responses were compared, and are reported beside
    code, report = run(str(path))  # no --min-score: the report, exit 0, but never "passed"
    assert code == 0 and report["passed"] is False


def test_a_tally_with_nothing_compared_has_no_score():
    assert Tally().score is None and Tally(4, 3).score == 75.0
    assert Tally().as_dict() == {"compared": 0, "matched": 0, "score": None}
    empty = Report()
    assert empty.score is None and not empty.passed(None) and not empty.passed(0)
    assert "no evidence" in empty.text()


@pytest.mark.parametrize("content, message", [
    (None, "no such cassette"), ("a: [", "not a YAML cassette"), ("interactions: 3", "not a VCR cassette"),
    ("interactions:\n- request: {}\n", "interaction 1 is malformed"),
])
def test_unreadable_vcr_cassettes_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "c.yaml"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(main, ["compare", str(path)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_gzip_bodies_are_read():
    import gzip

    body = {"string": gzip.compress(b'{"id": "cus_Abcdefgh1234", "object": "customer"}')}
    request, why = vcr.interaction({
        "request": {"method": "GET", "uri": "https://api.stripe.com/v1/customers/cus_Abcdefgh1234?expand[]=x",
                    "body": None, "headers": {"Stripe-Version": ["2025-03-31.basil"]}},
        "response": {"status": {"code": 200}, "headers": {"Content-Encoding": ["gzip"]}, "body": body}})
    assert not why and request["response"]["id"] == "cus_Abcdefgh1234" and request["params"] == [["expand[]", "x"]]
    assert request["stripe_version"] == "2025-03-31.basil"


def test_the_example_generator_records_a_cassette_that_scores_100(tmp_path):
    from simulator.fidelity import vcr_example

    path = vcr_example.main(tmp_path / "again.yaml")
    assert "gold-monthly" in path.read_text() and "sk_test" not in path.read_text()
    code, report = run(str(path), "--min-score", "99")
    assert code == 0 and report["score"] == 100.0
