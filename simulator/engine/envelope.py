"""Event envelopes (`object: "event"`) around a data object."""


def make_event(*, id: str, type: str, obj: dict, created: int, api_version: str,
               previous_attributes: dict | None = None, request_id: str | None = None,
               idempotency_key: str | None = None, pending_webhooks: int = 1) -> dict:
    """Wrap `obj` in an event envelope, keys in the order real deliveries use."""
    data: dict = {"object": obj}
    if type.endswith(".updated"):
        # Real payloads carry previous_attributes only on *.updated events.
        data["previous_attributes"] = previous_attributes or {}
    return {
        "id": id, "object": "event", "api_version": api_version, "created": created, "data": data,
        "livemode": False, "pending_webhooks": pending_webhooks,
        "request": {"id": request_id, "idempotency_key": idempotency_key}, "type": type,
    }


def previous_attributes(old: dict, new: dict) -> dict:
    """Old values of what changed: nested hashes recurse, arrays are reported whole."""
    changed = {}
    for key, old_value in old.items():
        new_value = new.get(key)
        if old_value == new_value:
            continue
        if isinstance(old_value, dict) and isinstance(new_value, dict):
            changed[key] = previous_attributes(old_value, new_value)
        else:
            changed[key] = old_value
    for key in new.keys() - old.keys():
        changed[key] = None
    return changed
