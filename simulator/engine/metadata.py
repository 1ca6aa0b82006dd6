"""Stripe's metadata rules: updates merge, an empty value deletes a key."""


def merge_metadata(current: dict, update: dict | None) -> dict:
    """Stripe's metadata update: keys are merged, an empty value removes a key, `metadata=` clears all."""
    if update is None:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
