"""A platform's answer to a delivery, read as the reference contract's `outcome` and `reason`."""

import json
import re

from .sender import Attempt

_FIELD = re.compile(r'"(outcome|reason)"\s*:\s*(null|"((?:[^"\\]|\\.)*)("|$))')


def answer(attempt: Attempt) -> tuple[str | None, str | None]:
    """(outcome, reason) from a 2xx answer's body; (None, None) when it has none."""
    if not attempt.ok or not attempt.response:
        return None, None
    try:
        body = json.loads(attempt.response)
        if isinstance(body, dict) and isinstance(body.get("outcome"), str):
            reason = body.get("reason")
            return body["outcome"], reason if isinstance(reason, str) else None
    except ValueError:
        # The sender keeps only the head of a body: read the fields that made it.
        found = {m.group(1): m.group(3) + ("" if m.group(4) else "…") if m.group(3) is not None else None
                 for m in _FIELD.finditer(attempt.response)}
        if found.get("outcome"):
            return found["outcome"], found.get("reason")
    return None, None
