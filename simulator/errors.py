"""The simulator's error tree.

    SimulatorError
    ├── UnknownStory           a story name that does not exist (or has no script for what was asked)
    ├── UnknownApiVersion      an API version the simulator cannot render
    ├── InvalidOption          an option value that cannot be used (bad secret, bad URL, …)
    ├── WorldStateError        a sequence that the simulated world cannot tell yet (renewal before purchase)
    └── TargetUnreachable      the target URL does not answer at all
"""


class SimulatorError(Exception):
    """Base class of every error the simulator raises on purpose."""


class UnknownStory(SimulatorError):
    """A story name that does not exist, or a story without the script asked for."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class UnknownApiVersion(SimulatorError):
    """An API version the simulator has no profile for."""

    def __init__(self, version: str, known: list[str]) -> None:
        super().__init__(f"unknown API version {version!r}; known versions: {', '.join(known)}")
        self.version = version


class InvalidOption(SimulatorError):
    """An option value that cannot be used."""


class WorldStateError(SimulatorError):
    """A sequence that the simulated world cannot tell in its current state."""


class TargetUnreachable(SimulatorError):
    """The target does not answer at all (connection refused, DNS failure, timeout)."""
