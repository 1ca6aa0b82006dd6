"""Replay a cassette at a fake (embedded by default, or any base URL) and compare: the fidelity report."""

from collections import Counter
from contextlib import ExitStack

from .cassette import same_story
from .compare import compare_story
from .replay import Replayer
from .report import Report


def events_version(story: dict) -> str | None:
    """The API version the recorded events were rendered in (the account's default when recorded)."""
    versions = Counter(event.get("api_version") for step in story["steps"] for event in step["events"])
    return versions.most_common(1)[0][0] if versions else None


def measure(cassette: dict, api_base: str | None = None, *, stories: list[str] | None = None,
            settle: float = 0.0, api_key: str = "sk_test_simplex_stripe_compare") -> Report:
    """Replay each story (on a fresh embedded fake each, unless `api_base` is given) and compare it.

    A VCR cassette holds HTTP only: it is scored on response fields. A story recorded without events is replayed
    without reading events, so it has no event evidence."""
    vcr = cassette.get("source") == "vcr"
    report = Report(api_base=api_base or "embedded", basis="responses" if vcr else "events",
                    skipped=list(cassette.get("skipped", [])))
    for story in cassette["stories"]:
        if stories and not any(same_story(story.get("name"), name) for name in stories):
            continue
        with ExitStack() as stack:
            base = api_base or stack.enter_context(_embedded())
            replayer = Replayer(base, api_key, settle=settle)
            # Traffic recorded without its events is scored on nothing rather than on the replay's extra events.
            has_events = any(step["events"] for step in story["steps"])
            replayed = replayer.story(story, cassette["api_version"], events_version(story), events=has_events)
        report.stories.append(compare_story(story, replayed))
    return report


def _embedded():
    """A fresh fake Stripe on 127.0.0.1 with ids unlike the recording's (so id mapping is really exercised)."""
    from simulator.fake_stripe import FakeStripe

    return FakeStripe(seed="empty", id_seed="replay").serving(host="127.0.0.1", port=0)
