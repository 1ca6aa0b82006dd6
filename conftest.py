"""Root conftest: the conformance harness's steps, fixtures and options (the only place pytest accepts this)."""

pytest_plugins = ["steps.plugin"]
