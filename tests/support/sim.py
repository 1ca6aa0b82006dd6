"""The fake Stripe's `/_sim/` helpers take the API's key, like every client of them must send it."""

TEST_KEY = "sk_test_simplex_helpers"


def sim_auth(key: str = TEST_KEY) -> dict:
    """The Authorization header for `/_sim/…` (any `sk_test_` key, or the fake's pinned `--api-key`)."""
    return {"Authorization": f"Bearer {key}"}
