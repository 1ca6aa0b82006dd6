"""Stripe CLI's fixture format: a JSON file of API requests whose params refer to earlier responses.

    {"_meta": {"template_version": 0},
     "fixtures": [{"name": "customer", "path": "/v1/customers", "method": "post", "params": {"email": "…"}},
                  {"name": "sub", "path": "/v1/subscriptions", "method": "post",
                   "params": {"customer": "${customer:id}", "metadata": {"ref": "${.env:ACCOUNT_REF|acct-1}"}}}]}

`${name:json.path}` reads an earlier fixture's response (`data.0.id` or `data[0].id`; a later fixture of the same
name replaces the earlier's), `${.env:VAR}` an environment variable (the caller merges a `.env` file in), either
with `|default` for when it is absent; `${generate-uuid}` and `${time-now-RFC3339}` are a new UUID and the time.
A fixture may carry its own `headers` and `api_base`; the file's `env` block names values to write back to a
`.env` file after the run. The runner is pure: it calls `send(request)` and never does I/O itself.
"""

import copy
import json
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from .errors import InvalidOption

TEMPLATE_VERSION = 0
METHODS = ("get", "post", "delete")
REFERENCE = re.compile(r"\$\{([^}:|]+):([^}|]*)(?:\|([^}]*))?\}")
# Whole-string values Stripe CLI computes when the request runs.
GENERATED = {"${generate-uuid}": lambda: str(uuid.uuid4()),
             "${time-now-RFC3339}": lambda: datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")}


class FixtureError(InvalidOption):
    """A fixture file that cannot run: bad JSON, a missing field, an unknown reference (exit 2)."""


@dataclass(frozen=True)
class Fixture:
    """One request of a fixture file."""

    name: str
    path: str
    method: str
    params: dict = field(default_factory=dict)
    expected_error_type: str | None = None
    headers: dict = field(default_factory=dict)
    api_base: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Request:
    """One fixture's request with every reference resolved: what `send` sends."""

    method: str
    path: str
    params: dict
    headers: dict = field(default_factory=dict)
    api_base: str | None = None
    idempotency_key: str | None = None


# send(request) -> the decoded JSON response; raises to stop the run.
Send = Callable[[Request], dict]


@dataclass
class Step:
    """One fixture as it ran: the request sent and what came back (or the expected error; None: skipped)."""

    fixture: Fixture
    path: str
    params: dict
    response: dict | None
    error_type: str | None = None
    skipped: bool = False


@dataclass(frozen=True)
class FixtureFile:
    """A parsed file: its requests and its `env` block (variable -> template, written to `.env` after a run)."""

    fixtures: list[Fixture]
    env: dict[str, str] = field(default_factory=dict)


def parse(text: str, source: str = "fixture file") -> list[Fixture]:
    """The fixtures of a file in Stripe CLI's format; FixtureError names what is wrong."""
    return load(text, source).fixtures


def load(text: str, source: str = "fixture file") -> FixtureFile:
    """A file in Stripe CLI's format, with its `env` block; FixtureError names what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise FixtureError(f"{source} is not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("fixtures"), list):
        raise FixtureError(f"{source}: expected an object with a `fixtures` list (Stripe CLI's fixture format)")
    version = (document.get("_meta") or {}).get("template_version", TEMPLATE_VERSION)
    if version != TEMPLATE_VERSION:
        raise FixtureError(f"{source}: _meta.template_version {version!r} is not supported (only 0)")
    env = document.get("env") or {}
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise FixtureError(f"{source}: env must be an object of strings")
    fixtures = [_fixture(raw, f"{source}: fixtures[{index}]") for index, raw in enumerate(document["fixtures"])]
    return FixtureFile(fixtures, env)


def _fixture(raw: Any, where: str) -> Fixture:
    if not isinstance(raw, dict):
        raise FixtureError(f"{where} is not an object")
    missing = [key for key in ("name", "path", "method") if not isinstance(raw.get(key), str) or not raw[key]]
    if missing:
        raise FixtureError(f"{where} needs {', '.join(missing)}")
    method = raw["method"].lower()
    if method not in METHODS:
        raise FixtureError(f"{where}: method {raw['method']!r} is not get, post or delete")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise FixtureError(f"{where}: params must be an object")
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise FixtureError(f"{where}: headers must be an object of strings")
    for key in ("api_base", "idempotency_key", "expected_error_type"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise FixtureError(f"{where}: {key} must be a string")
    return Fixture(raw["name"], raw["path"], method, params, raw.get("expected_error_type") or None, headers,
                   raw.get("api_base") or None, raw.get("idempotency_key") or None)


# ---- references ---------------------------------------------------------------------------------------------
def lookup(value: Any, path: str) -> Any:
    """`data.0.id` / `data[0].id` inside a decoded response; KeyError when absent."""
    current = value
    for part in [p for p in re.split(r"\.|\[(\d+)\]", path) if p]:
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise KeyError(path)
    return current


def resolve(value: Any, responses: Mapping[str, dict], environ: Mapping[str, str], where: str) -> Any:
    """`value` with every reference replaced; a string that is exactly one reference keeps the value's type."""
    if isinstance(value, dict):
        return {k: resolve(v, responses, environ, where) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, responses, environ, where) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    if value in GENERATED:
        return GENERATED[value]()
    whole = REFERENCE.fullmatch(value)
    if whole:
        return _reference(*whole.groups(), responses, environ, where)
    return REFERENCE.sub(lambda m: _text(_reference(*m.groups(), responses, environ, where)), value)


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _reference(name: str, path: str, default: str | None, responses: Mapping[str, dict],
               environ: Mapping[str, str], where: str) -> Any:
    if name == ".env":
        if environ.get(path):
            return environ[path]
        if default is not None:
            return default
        raise FixtureError(f"{where}: ${{.env:{path}}} is not set in the environment (nor in .env)")
    if name not in responses:
        raise FixtureError(f"{where}: ${{{name}:{path}}} refers to a fixture that has not run (yet, or skipped)")
    try:
        found = lookup(responses[name], path)
    except KeyError:
        found = None
    if found is None or found == "":
        if default is not None:
            return default
        raise FixtureError(f"{where}: ${{{name}:{path}}}: {path!r} is not in {name}'s response")
    return found


# ---- overrides (Stripe CLI's --override/--add/--remove name:param.path=value) -------------------------------
@dataclass(frozen=True)
class Edit:
    """One change to a fixture's params before it runs."""

    fixture: str
    path: tuple[str, ...]
    value: Any = None
    remove: bool = False
    only_missing: bool = False  # --add: Stripe CLI adds a param only where the fixture has none


def parse_edit(text: str, remove: bool = False, add: bool = False) -> Edit:
    """`checkout_session:metadata.accountRef=acct-7` (or `name:path` to remove)."""
    target, sep, value = text.partition("=")
    name, colon, path = target.partition(":")
    if not colon or not name or not path or (not remove and not sep):
        form = "name:param.path" if remove else "name:param.path=value"
        raise InvalidOption(f"{text!r} is not {form} (e.g. checkout_session:metadata.accountRef=acct-7)")
    return Edit(name, tuple(re.sub(r"\[(\d+)\]", r".\1", path).split(".")), None if remove else value, remove,
                add)


def apply_edits(fixtures: list[Fixture], edits: list[Edit]) -> list[Fixture]:
    """The fixtures with each edit applied to its fixture's params; an edit naming no fixture is an error."""
    names = {f.name for f in fixtures}
    for edit in edits:
        if edit.fixture not in names:
            raise InvalidOption(f"no fixture is named {edit.fixture!r}; these are: {', '.join(sorted(names))}")
    result = []
    for fixture in fixtures:
        params = copy.deepcopy(fixture.params)
        for edit in (e for e in edits if e.fixture == fixture.name):
            _edit(params, edit)
        result.append(replace(fixture, params=params))
    return result


def check_skips(fixtures: list[Fixture], skip: list[str]) -> None:
    """InvalidOption when a --skip names no fixture of the file."""
    names = {f.name for f in fixtures}
    for name in skip:
        if name not in names:
            raise InvalidOption(f"--skip {name}: no fixture is named {name!r}; these are: {', '.join(sorted(names))}")


def _edit(params: dict, edit: Edit) -> None:
    node: Any = params
    for key in edit.path[:-1]:
        if isinstance(node, list) and key.isdigit():
            while len(node) <= int(key):
                node.append({})
            node = node[int(key)]
        else:
            node = node.setdefault(key, {})
    last = edit.path[-1]
    if isinstance(node, list) and last.isdigit():
        if edit.remove:
            if int(last) < len(node):
                node.pop(int(last))
        else:
            while len(node) <= int(last):
                node.append(None)
            if not (edit.only_missing and node[int(last)] is not None):
                node[int(last)] = edit.value
    elif edit.remove:
        node.pop(last, None)
    elif edit.only_missing:
        node.setdefault(last, edit.value)
    else:
        node[last] = edit.value


# ---- running ------------------------------------------------------------------------------------------------
class ApiError(Exception):
    """What `send` raises for an API error answer, with Stripe's error type (e.g. `card_error`) and status."""

    def __init__(self, error_type: str, message: str, status: int | None = None, body: dict | None = None) -> None:
        super().__init__(message)
        self.error_type, self.status, self.body = error_type, status, body
        self.fixture, self.request = "", ""


def run(fixtures: list[Fixture], send: Send, environ: Mapping[str, str],
        on_step: Callable[[Step], None] | None = None, skip: tuple[str, ...] = ()) -> dict[str, dict]:
    """Run the fixtures in order, but those named in `skip`; returns each fixture's response by name (a later
    fixture of a name replaces an earlier's). An API error stops the run (send raises) unless it is the
    fixture's `expected_error_type`."""
    responses: dict[str, dict] = {}
    for fixture in fixtures:
        if fixture.name in skip:
            if on_step:
                on_step(Step(fixture, fixture.path, fixture.params, None, skipped=True))
            continue
        where = f"fixture {fixture.name!r}"
        request = Request(fixture.method, resolve(fixture.path, responses, environ, where),
                          resolve(fixture.params, responses, environ, where),
                          resolve(fixture.headers, responses, environ, where), fixture.api_base,
                          resolve(fixture.idempotency_key, responses, environ, where))
        path, params = request.path, request.params
        try:
            step = Step(fixture, path, params, send(request))
        except ApiError as exc:
            if fixture.expected_error_type is None or exc.error_type != fixture.expected_error_type:
                exc.fixture, exc.request = fixture.name, f"{fixture.method.upper()} {path}"
                raise
            # As in Stripe CLI, the error's body stands for the response (`${name:error.payment_intent.id}`).
            step = Step(fixture, path, params, exc.body, exc.error_type)
        responses[fixture.name] = step.response or {}
        if on_step:
            on_step(step)
    return responses


def env_updates(env: Mapping[str, str], responses: Mapping[str, dict], environ: Mapping[str, str]) -> dict[str, str]:
    """The file's `env` block resolved after a run: the values Stripe CLI writes back to `.env`."""
    return {key: _text(resolve(template, responses, environ, f"env {key}")) for key, template in env.items()}
