"""Stories that together run every simulator sequence, for tests that need every event shape."""

from simulator.stories import new_story

START = 1769853600  # 2026-01-31T10:00:00Z: the end-of-month case

STORIES: dict[str, tuple[dict, list[str]]] = {
    "lifecycle": ({}, ["first-purchase", "renewal", "plan-change", "cancel-undo", "cancellation"]),
    "interval-change": ({"new_interval_months": 12}, ["first-purchase", "plan-change", "renewal", "cancel-now"]),
    "dunning": ({}, ["first-purchase", "failed-renewal"]),
    "one-time": ({}, ["one-time-purchase", "one-time-purchase-invoiced", "one-time-purchase-delayed"]),
    "inclusive-tax": ({"tax_inclusive": True}, ["first-purchase", "one-time-purchase"]),
    "untaxed": ({"tax_rate": 0}, ["first-purchase", "renewal"]),
}


def story_events(story: str, version: str, *, seed: str = "t", account: str = "acct-1") -> list[dict]:
    """Tell one story on a fresh engine and return its events."""
    options, names = STORIES[story]
    return new_story(seed=seed, start=START, account=account, **options).run(names, version)


def all_events(version: str) -> list[dict]:
    """Every event of every story."""
    return [e for story in STORIES for e in story_events(story, version)]


def covered_sequences() -> set[str]:
    """The sequence names the stories run."""
    return {name for _, names in STORIES.values() for name in names}

