"""What a test needs from the machine: skipped with the reason locally, a failure under CI=true."""

import os

import pytest


def need(condition: bool, reason: str) -> None:
    """Skip locally when something is absent; fail under CI=true, where `.ci/run` installs everything."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)
