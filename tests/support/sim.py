"""The fake Stripe's `/_sim/` helpers take the API's key, like every client of them must send it."""

TEST_KEY = "sk_test_fake_suite"  # the key tests/fake_stripe calls the API with: helpers act on its sandbox


def sim_auth(key: str = TEST_KEY) -> dict:
    """The Authorization header for `/_sim/…` (any `sk_test_` key, or the fake's pinned `--api-key`)."""
    return {"Authorization": f"Bearer {key}"}
