"""The cassettes the project ships: each recordable story recorded against the fake itself (`python -m simulator.fidelity.examples`
re-records them after a deliberate change to the fake's behaviour)."""

import sys
from pathlib import Path

from . import cassette
from .errors import CassetteError, RecordError
from .scripts import SCRIPTS, script_name

DIRECTORY = Path(__file__).with_name("cassettes")
PREFIX = "example:"
VCR_EXAMPLES = ("sdk-traffic",)  # VCR YAML recordings (simulator/fidelity/vcr_example.py)


def path(name: str) -> Path:
    """The shipped cassette of one story (by its name or an alias), or a shipped VCR recording."""
    if name in VCR_EXAMPLES:
        return DIRECTORY / f"{name}.yaml"
    try:
        return DIRECTORY / f"{script_name(name)}.json"
    except RecordError as exc:
        raise CassetteError(f"no example cassette {name!r}: {exc}") from None


def resolve(argument: str) -> Path:
    """A CASSETTE argument: `example:renewal` names a shipped cassette, anything else is a file path."""
    return path(argument[len(PREFIX):]) if argument.startswith(PREFIX) else Path(argument)


def regenerate(directory: Path = DIRECTORY) -> list[Path]:
    """Record every story against a fresh fake on 127.0.0.1 and write one cassette per story."""
    from simulator.fake_stripe import FakeStripe

    from .record import Options, Recorder

    written = []
    fake = FakeStripe(seed="empty")
    with fake.serving(host="127.0.0.1", port=0) as base:
        recorder = Recorder("sk_test_simplex_stripe_examples", base, Options(settle=0, event_timeout=10,
                                                                              clock_timeout=10))
        for name in SCRIPTS:
            tape = recorder.cassette([name])
            tape["api_base"] = "simplex-stripe fake-stripe (the project's own fake)"
            target = directory / f"{name}.json"
            cassette.save(tape, target)
            written.append(target)
    return written


if __name__ == "__main__":
    for written in regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else DIRECTORY):
        print(written)
