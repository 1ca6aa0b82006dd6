"""simplex-stripe: a Stripe test-mode simulator and conformance harness for simplex Meeting."""
