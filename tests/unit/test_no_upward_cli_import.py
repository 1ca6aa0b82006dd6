"""The CLI is the top: the steps, the benchmarks and the simulator never import `simplex_stripe`."""

import pytest

from tests.unit.test_layers import imports


@pytest.mark.parametrize("lower", ["steps", "benchmarks", "simulator", "platform_adapter"])
def test_nothing_below_the_cli_imports_it(lower):
    found = [f"{m} -> {t}" for m, targets in imports().items() if m == lower or m.startswith(lower + ".")
             for t in targets if t == "simplex_stripe" or t.startswith("simplex_stripe.")]
    assert not found, found
