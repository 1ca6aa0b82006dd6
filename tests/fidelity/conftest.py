"""Fixtures: a fake Stripe on 127.0.0.1 recorded through `simplex-stripe record`, once per session."""

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simulator.fake_stripe import FakeStripe
from simulator.fidelity import cassette

KEY = "sk_test_fidelity_suite_0123456789"


@pytest.fixture(scope="session")
def recorded(tmp_path_factory):
    """Every story recorded by the CLI against a fake on 127.0.0.1 (the path real Stripe takes, another base URL)."""
    out = tmp_path_factory.mktemp("fidelity") / "all.json"
    fake = FakeStripe(seed="empty", api_key=KEY)
    with fake.serving(host="127.0.0.1", port=0) as base:
        result = CliRunner().invoke(main, ["record", "all", "--api-key", KEY, "--api-base", base, "--out", str(out),
                                           "--settle", "0", "--event-timeout", "5", "--clock-timeout", "5"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def recorded_cassette(recorded) -> dict:
    """The recorded cassette, loaded."""
    return cassette.load(recorded)


@pytest.fixture
def other_fake():
    """A second fake on 127.0.0.1, for replays with a planted difference; yields its base URL."""
    fake = FakeStripe(seed="empty", id_seed="planted")
    with fake.serving(host="127.0.0.1", port=0) as base:
        yield base
