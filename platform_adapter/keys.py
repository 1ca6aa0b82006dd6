"""The Stripe keys an operator types on the admin page: pure format rules, masking, and test/live mode."""

import re
from dataclasses import dataclass, field

FIELDS = {
    "stripe_publishable_key": ("Publishable key", ("pk_test_", "pk_live_")),
    "stripe_secret_key": ("Secret key", ("sk_test_", "sk_live_", "rk_test_", "rk_live_")),
    "webhook_secret": ("Webhook signing secret", ("whsec_",)),
}
SECRET_FIELDS = ("stripe_secret_key", "webhook_secret")
KEY_BODY = re.compile(r"[A-Za-z0-9_+/=-]+")  # Stripe's keys are base62; signing secrets may be base64
KNOWN_PREFIXES = {"pk": "a publishable key", "sk": "a secret key", "rk": "a restricted key",
                  "whsec": "a webhook signing secret"}


@dataclass
class KeyCheck:
    """The values to save and, per field, what is wrong; saved only when `errors` is empty."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # per field with an error, its stable code (the contract's)

    @property
    def ok(self) -> bool:
        """Nothing wrong: every value may be saved."""
        return not self.errors


def mode_of(key: str | None) -> str | None:
    """'test' or 'live' for pk_/sk_/rk_ keys; None otherwise."""
    match = re.match(r"^(?:pk|sk|rk)_(test|live)_", key or "")
    return match.group(1) if match else None


def mask(key: str | None) -> str:
    """`sk_test_…4242`: enough to recognise a saved key, never enough to use it."""
    if not key:
        return "—"
    prefix = next((p for _, prefixes in FIELDS.values() for p in prefixes if key.startswith(p)), "")
    if len(key) - len(prefix) < 8:  # too short to show any of it safely
        return f"{prefix}…"
    return f"{prefix}…{key[-4:]}"


def _looks_like(value: str) -> str:
    """What a value looks like, named without echoing it (it may be a secret in the wrong field)."""
    head = value.split("_", 1)[0]
    return f" (this looks like {KNOWN_PREFIXES[head]})" if head in KNOWN_PREFIXES and "_" in value else ""


MAX_KEY = 255


def format_issue(name: str, value: str) -> tuple[str, str] | None:
    """Why `value` cannot be the `name` key, as (code, sentence), or None."""
    label, prefixes = FIELDS[name]
    if not value.startswith(prefixes):
        wanted = " or ".join(f"{p}…" for p in prefixes)
        return "wrong_prefix", f"{label} must start with {wanted}{_looks_like(value)}"
    prefix = next(p for p in prefixes if value.startswith(p))
    body = value[len(prefix):]
    if not body:
        return "malformed", f"{label} is incomplete: nothing follows {prefix}"
    if not KEY_BODY.fullmatch(body):
        return "malformed", f"{label} contains spaces or characters Stripe keys never have; copy it again"
    if len(value) > MAX_KEY:  # Stripe's keys are about 110 characters; a header this long no server takes
        return "too_long", f"{label} is longer than {MAX_KEY} characters, longer than any Stripe key; copy it again"
    return None


def check_keys(form: dict[str, str], saved: dict[str, str | None]) -> KeyCheck:
    """Validate the submitted keys; an empty secret field keeps the saved one (it is never shown again)."""
    result = KeyCheck()
    effective: dict[str, str | None] = {}
    for name, (label, _) in FIELDS.items():
        value = (form.get(name) or "").strip()
        if not value:
            effective[name] = saved.get(name)
            if not effective[name]:
                result.errors[name], result.codes[name] = f"{label} is required", "missing"
            continue
        issue = format_issue(name, value)
        if issue:
            result.codes[name], result.errors[name] = issue
        else:
            result.values[name] = effective[name] = value
    public, secret = mode_of(effective.get("stripe_publishable_key")), mode_of(effective.get("stripe_secret_key"))
    # Checked even when other fields are wrong, so every mistake is reported in one round.
    if public and secret and public != secret:
        result.codes["stripe_secret_key"] = "test_live_mixed"
        result.errors["stripe_secret_key"] = (
            f"test and live keys mixed: the publishable key is a {public} key but the secret key is a {secret} "
            "key; take both from the same mode of the Stripe Dashboard")
    if not result.ok:
        result.values = {}
    return result
