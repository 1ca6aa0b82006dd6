"""The harness's error tree.

    HarnessError
    ├── TargetError        the target cannot be started or reached, or is configured wrong
    └── ProbeError         the platform's probe answered something the contract does not allow
"""


class HarnessError(Exception):
    """Base class of the harness's own errors."""


class TargetError(HarnessError):
    """The target cannot be started or reached, or its options are wrong."""


class ProbeError(HarnessError):
    """The probe answered outside the contract."""
