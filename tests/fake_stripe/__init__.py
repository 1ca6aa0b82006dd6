"""Tests of the stateful fake Stripe API (simulator/fake_stripe) over real HTTP on 127.0.0.1."""
