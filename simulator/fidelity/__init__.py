"""Fidelity: record stories against a Stripe API into cassettes, replay them at the fake and score the difference."""
