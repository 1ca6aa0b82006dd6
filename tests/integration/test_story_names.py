"""One list of story names: `sequences`, `fire`, `record` and `trigger` list the same ones, and every old name works."""

import json
import re

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.fidelity import examples
from simulator.fidelity.errors import CassetteError, RecordError
from simulator.fidelity.scripts import SCRIPTS, script_name, steps
from simulator.delivery.receiver import VerifyingReceiver, serving
from simulator.stories import SEQUENCES, get_sequence
from simulator.story_names import ALIASES, NAMES, RECORDABLE, STORY_NAMES, canonical

SECRET = "whsec_story_names_0123456789"
KEY = "sk_test_story_names"
OLD_NAMES = {"cancel-at-period-end": "cancellation", "one-time": "one-time-purchase"}
LISTED = re.compile(r"^ {4}([a-z][a-z-]*)(?: \(alias ([^)]*)\))?(  \[no record script\])?$")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def listed_in_help(command: str) -> dict[str, tuple[str, ...]]:
    """The stories a command's `--help` lists: name -> aliases."""
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    found = {}
    for line in result.output.splitlines():
        if match := LISTED.match(line):
            found[match[1]] = tuple(match[2].split(", ")) if match[2] else ()
    return found


def listed_by_sequences() -> dict[str, tuple[str, ...]]:
    result = run("sequences", "--json")
    assert result.exit_code == 0, result.output
    return {row["name"]: tuple(row["aliases"]) for row in json.loads(result.stdout)}


def test_sequences_fire_record_and_trigger_list_the_same_names_with_their_aliases():
    wanted = {s.name: s.aliases for s in STORY_NAMES}
    assert listed_by_sequences() == wanted
    for command in ("fire", "record", "trigger"):
        assert listed_in_help(command) == wanted, command
    assert ALIASES == OLD_NAMES


def test_record_help_says_which_stories_have_no_record_script():
    text = run("record", "--help").output
    unmarked = {m[1] for line in text.splitlines() if (m := LISTED.match(line)) and not m[3]}
    assert unmarked == set(RECORDABLE)


def test_both_kinds_of_script_are_keyed_by_the_list():
    assert list(SEQUENCES) == list(NAMES)
    assert set(SCRIPTS) == set(RECORDABLE) and set(RECORDABLE) < set(NAMES)
    for name in RECORDABLE:
        assert examples.path(name).is_file(), name


@pytest.mark.parametrize("old, new", sorted(OLD_NAMES.items()))
def test_every_old_name_resolves_everywhere(old, new):
    assert canonical(old) == new
    assert get_sequence(old) is SEQUENCES[new]
    assert script_name(old) == new and steps(old) == steps(new)
    assert examples.resolve(f"example:{old}") == examples.resolve(f"example:{new}") == examples.path(new)


def test_a_story_without_a_record_script_says_so():
    result = run("record", "cancel-undo", "--api-key", "sk_test_x", "--out", "x.json")
    assert result.exit_code == 2
    assert "story 'cancel-undo' has no record script" in result.output and "recordable: first-purchase" in result.output
    with pytest.raises(RecordError, match="no record script"):
        script_name("one-time-purchase-invoiced")
    with pytest.raises(CassetteError, match="no example cassette 'cancel-undo'"):
        examples.path("cancel-undo")
    unknown = run("fire", "bogus", "--secret", SECRET, "--dry-run")
    assert unknown.exit_code == 2 and "unknown story 'bogus'" in unknown.output
    assert "cancellation (alias cancel-at-period-end)" in unknown.output


def test_fire_takes_the_old_names():
    result = run("fire", "first-purchase", "cancel-at-period-end", "--secret", SECRET, "--dry-run", "--json",
                 "--seed", "old-names")
    assert result.exit_code == 0, result.output
    types = [d["body"]["type"] for d in json.loads(result.stdout)]
    assert types[-1] == "customer.subscription.deleted"
    one_time = run("fire", "one-time", "--secret", SECRET, "--dry-run", "--json", "--seed", "old-names")
    assert one_time.exit_code == 0, one_time.output
    assert [d["body"]["type"] for d in json.loads(one_time.stdout)] == list(SEQUENCES["one-time-purchase"].emits)


@pytest.mark.parametrize("name", ["example:cancellation", "example:cancel-at-period-end", "example:one-time"])
def test_fire_cassette_takes_old_and_new_example_names(name):
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        result = run("fire", "--cassette", name, "--target", base, "--secret", SECRET, "--json")
    assert result.exit_code == 0, result.output
    assert receiver.received and all(r.verified for r in receiver.received)


def test_compare_story_filter_takes_an_old_name():
    result = run("compare", "example:cancellation", "--story", "cancel-at-period-end", "--json")
    assert result.exit_code == 0, result.output
    assert [s["name"] for s in json.loads(result.stdout)["stories"]] == ["cancellation"]


def test_trigger_tells_a_story_by_an_old_name():
    receiver = VerifyingReceiver([SECRET])
    with serving(receiver) as base:
        result = run("trigger", "one-time", "--target", base, "--secret", SECRET, "--seed", "s", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["fired"] and [e["type"] for e in report["events"]] == list(SEQUENCES["one-time-purchase"].emits)
    assert len(receiver.received) == len(report["events"]) and all(r.verified for r in receiver.received)


def test_trigger_tells_a_story_on_a_running_fake_after_what_it_needs():
    fake = FakeStripe(seed="guide")
    with fake.serving() as base:
        result = run("trigger", "renewal", "--api-base", base, "--api-key", KEY, "--json")
    fake.close()
    assert result.exit_code == 0, result.output
    types = [e["type"] for e in json.loads(result.stdout)["events"]]
    assert types.count("invoice.paid") == 2 and "checkout.session.completed" in types  # subscribed, then renewed


def test_a_story_takes_no_fixture_edits():
    result = run("trigger", "renewal", "--override", "subscription:metadata.accountRef=acct-7")
    assert result.exit_code == 2 and "a story has none" in result.output
