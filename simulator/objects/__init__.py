"""Builders of Stripe API objects as plain dicts, in the shape of a given API version."""
