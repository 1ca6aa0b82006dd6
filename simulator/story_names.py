"""The one list of story names: each story's name, its old names (aliases), and which scripts tell it.

A story is a named script of Stripe API actions. Every story is told in-process on the fake's engine
(`simulator/stories.py`: `fire`, `sequences`, `trigger`, `load`, the conformance steps); most also have a
script any Stripe API accepts, on test clocks (`simulator/fidelity/scripts.py`: `record`, and the example
cassettes `compare` and `fire --cassette` take). Both are keyed by the names here, and every command takes
a name or one of its aliases.
"""

from dataclasses import dataclass

from .errors import UnknownStory


@dataclass(frozen=True)
class StoryName:
    """One story: its name, the old names that still work, and whether it can be recorded."""

    name: str
    aliases: tuple[str, ...] = ()
    recordable: bool = True  # False: told on the engine only; `record` has no script for it

    def label(self) -> str:
        """The name as `--help` lists it, with its aliases."""
        return f"{self.name} (alias {', '.join(self.aliases)})" if self.aliases else self.name


STORY_NAMES: tuple[StoryName, ...] = (
    StoryName("first-purchase"),
    StoryName("one-time-purchase", ("one-time",)),
    StoryName("one-time-purchase-invoiced", recordable=False),
    StoryName("one-time-purchase-delayed", recordable=False),
    StoryName("renewal"),
    StoryName("plan-change"),
    StoryName("cancellation", ("cancel-at-period-end",)),
    StoryName("cancel-undo", recordable=False),
    StoryName("cancel-now"),
    StoryName("failed-renewal"),
)
NAMES: tuple[str, ...] = tuple(s.name for s in STORY_NAMES)
RECORDABLE: tuple[str, ...] = tuple(s.name for s in STORY_NAMES if s.recordable)
ALIASES: dict[str, str] = {alias: s.name for s in STORY_NAMES for alias in s.aliases}
BY_NAME: dict[str, StoryName] = {s.name: s for s in STORY_NAMES}


def listing() -> str:
    """Every story name on one line, with its aliases."""
    return ", ".join(s.label() for s in STORY_NAMES)


def help_block(heading: str, *, mark_unrecordable: bool = False) -> str:
    """The stories as `--help` lists them: one per line with its aliases, kept from click's rewrapping."""
    lines = [f"  {s.label()}{'  [no record script]' if mark_unrecordable and not s.recordable else ''}"
             for s in STORY_NAMES]
    return "\b\n" + "\n".join([heading, *lines])


def canonical(name: str) -> str:
    """The story's name for `name` (itself or an alias); UnknownStory names every story."""
    if name in BY_NAME:
        return name
    if name in ALIASES:
        return ALIASES[name]
    raise UnknownStory(name, f"unknown story {name!r}; stories: {listing()}")


def recordable(name: str) -> str:
    """The story's name for `name`, if it has a record script; else UnknownStory says what it lacks."""
    story = canonical(name)
    if not BY_NAME[story].recordable:
        raise UnknownStory(name, f"story {name!r} has no record script (it is told on the fake's engine only: "
                                 f"fire, trigger); recordable: {', '.join(RECORDABLE)}")
    return story
