"""Stripe-shaped object ids, deterministic under a seed."""

import hashlib
import re
import string

ALPHABET = string.ascii_letters + string.digits

# Characters after the prefix, as seen in real test-mode payloads.
ID_LENGTHS: dict[str, int] = {
    "evt": 24, "cs_test": 58, "cus": 14, "sub": 24, "si": 14, "in": 24, "il": 24, "ii": 24,
    "pi": 24, "ch": 24, "pm": 24, "price": 24, "prod": 14, "txr": 24, "req": 14, "we": 24,
    "clock": 24, "inpay": 24, "li": 24, "py": 24, "txn": 24, "re": 24, "du": 24, "seti": 24, "coupon": 8, "bpc": 24, "bps": 24, "cn": 24, "cnli": 24, "plink": 24, "card": 24, "qt": 24, "sub_sched": 24,
    "promo": 24, "di": 24, "ccsbtxn": 24,
}

# Objects that Stripe numbers with a leading "1" (account-scoped ids) in real payloads.
_ACCOUNT_SCOPED = {"evt", "sub", "in", "il", "ii", "pi", "ch", "pm", "price", "txr", "we", "clock", "inpay", "li", "py", "txn",
                   "re", "du", "seti", "promo", "di", "ccsbtxn"}

ID_PATTERNS: dict[str, re.Pattern[str]] = {
    prefix: re.compile(rf"^{prefix}_[A-Za-z0-9]{{{length}}}$") for prefix, length in ID_LENGTHS.items()
}


def _chars(seed: str, count: int) -> str:
    """Return `count` alphanumerics derived from `seed`."""
    out, block = [], 0
    while len(out) < count:
        digest = hashlib.sha256(f"{seed}#{block}".encode()).digest()
        out.extend(ALPHABET[b % len(ALPHABET)] for b in digest)
        block += 1
    return "".join(out[:count])


def make_id(prefix: str, seed: str, counter: int) -> str:
    """Build the `counter`-th id with `prefix` for `seed`."""
    length = ID_LENGTHS[prefix]
    body = _chars(f"{seed}:{prefix}:{counter}", length)
    if prefix == "cs_test":
        body = "a1" + body[2:]
    elif prefix in _ACCOUNT_SCOPED:
        body = "1" + body[1:]
    return f"{prefix}_{body}"


class IdFactory:
    """Hands out fresh ids; the same seed and counter always give the same ids."""

    def __init__(self, seed: str | int = "simplex", counter: int = 0) -> None:
        self.seed = str(seed)
        self.counter = counter

    def new(self, prefix: str) -> str:
        """Return the next id with `prefix`."""
        self.counter += 1
        return make_id(prefix, self.seed, self.counter)

    def token(self, length: int = 32) -> str:
        """Return the next deterministic alphanumeric token (idempotency keys, decoys)."""
        self.counter += 1
        return _chars(f"{self.seed}:token:{self.counter}", length)
