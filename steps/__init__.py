"""The conformance harness: pytest-bdd step definitions for the features shipped in `features/`.

Steps drive a platform only through the simulator (signed webhooks), the Stripe API (official SDK)
and the probe contract of docs/conformance-contract.md, so the same steps test any platform.
"""
