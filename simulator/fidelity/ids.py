"""Recognising Stripe ids in JSON, and the ids an object mentions."""

import re
from typing import Any, Iterator

# prefix_[test_]suffix, where the suffix has a digit or a capital (so `charge_automatically` is no id).
ID = re.compile(r"^[a-z]{2,7}_(?:test_|live_)?(?=[A-Za-z0-9]*[0-9A-Z])[A-Za-z0-9]{8,}$")


def is_id(value: Any) -> bool:
    """Whether a JSON value is a Stripe object id (`cus_…`, `cs_test_…`, `evt_…`, `req_…`)."""
    return isinstance(value, str) and bool(ID.match(value))


def prefix(value: str) -> str:
    """`sub` for `sub_…`, `cs_test` for `cs_test_…`."""
    head, _, rest = value.partition("_")
    return f"{head}_{rest.split('_')[0]}" if rest.startswith(("test_", "live_")) else head


def mentioned(value: Any) -> Iterator[str]:
    """Every id anywhere inside a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from mentioned(item)
    elif isinstance(value, list):
        for item in value:
            yield from mentioned(item)
    elif is_id(value):
        yield value
