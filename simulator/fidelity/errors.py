"""The fidelity package's one error tree.

FidelityError
├── CassetteError      a cassette file that is missing, not JSON or not in the cassette format
├── KeyRefused         a live key (or no test key) handed to `record`
└── RecordError        the Stripe API refused a story's request, or a test clock never became ready
"""


class FidelityError(Exception):
    """Base of every error this package raises on purpose."""


class CassetteError(FidelityError):
    """A cassette that cannot be read."""


class KeyRefused(FidelityError):
    """`record` only runs with a test-mode key."""


class RecordError(FidelityError):
    """A story could not be recorded to its end."""
