"""Stripe CLI's fixture format: a JSON file of API requests whose params refer to earlier responses.

    {"_meta": {"template_version": 0},
     "fixtures": [{"name": "customer", "path": "/v1/customers", "method": "post", "params": {"email": "…"}},
                  {"name": "sub", "path": "/v1/subscriptions", "method": "post",
                   "params": {"customer": "${customer:id}", "metadata": {"ref": "${.env:ACCOUNT_REF|acct-1}"}}}]}

`${name:json.path}` reads an earlier fixture's response (`data.0.id` or `data[0].id`), `${.env:VAR}` an
environment variable (`${.env:VAR|default}` with a default). The runner is pure: it calls `send(method, path,
params)` and never does I/O itself.
"""

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .errors import InvalidOption

TEMPLATE_VERSION = 0
METHODS = ("get", "post", "delete")
REFERENCE = re.compile(r"\$\{([^}:]+):([^}]*)\}")
# send(method, path, params) -> the decoded JSON response; raises to stop the run.
Send = Callable[[str, str, dict], dict]


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


@dataclass
class Step:
    """One fixture as it ran: the request sent and what came back (or the expected error)."""

    fixture: Fixture
    path: str
    params: dict
    response: dict | None
    error_type: str | None = None


def parse(text: str, source: str = "fixture file") -> list[Fixture]:
    """The fixtures of a file in Stripe CLI's format; FixtureError names what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise FixtureError(f"{source} is not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("fixtures"), list):
        raise FixtureError(f"{source}: expected an object with a `fixtures` list (Stripe CLI's fixture format)")
    version = (document.get("_meta") or {}).get("template_version", TEMPLATE_VERSION)
    if version != TEMPLATE_VERSION:
        raise FixtureError(f"{source}: _meta.template_version {version!r} is not supported (only 0)")
    fixtures, names = [], set()
    for index, raw in enumerate(document["fixtures"]):
        fixtures.append(_fixture(raw, f"{source}: fixtures[{index}]"))
        if fixtures[-1].name in names:
            raise FixtureError(f"{source}: two fixtures are named {fixtures[-1].name!r}")
        names.add(fixtures[-1].name)
    return fixtures


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
    return Fixture(raw["name"], raw["path"], method, params, raw.get("expected_error_type"))


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
    whole = REFERENCE.fullmatch(value)
    if whole:
        return _reference(whole.group(1), whole.group(2), responses, environ, where)
    return REFERENCE.sub(lambda m: _text(_reference(m.group(1), m.group(2), responses, environ, where)), value)


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _reference(name: str, path: str, responses: Mapping[str, dict], environ: Mapping[str, str], where: str) -> Any:
    if name == ".env":
        variable, has_default, default = path.partition("|")
        if variable in environ:
            return environ[variable]
        if has_default:
            return default
        raise FixtureError(f"{where}: ${{.env:{variable}}} is not set in the environment")
    if name not in responses:
        raise FixtureError(f"{where}: ${{{name}:{path}}} refers to a fixture that has not run (yet)")
    try:
        return lookup(responses[name], path)
    except KeyError:
        raise FixtureError(f"{where}: ${{{name}:{path}}}: {path!r} is not in {name}'s response") from None


# ---- overrides (Stripe CLI's --override/--add/--remove name:param.path=value) -------------------------------
@dataclass(frozen=True)
class Edit:
    """One change to a fixture's params before it runs."""

    fixture: str
    path: tuple[str, ...]
    value: Any = None
    remove: bool = False


def parse_edit(text: str, remove: bool = False) -> Edit:
    """`checkout_session:metadata.accountRef=acct-7` (or `name:path` to remove)."""
    target, sep, value = text.partition("=")
    name, colon, path = target.partition(":")
    if not colon or not name or not path or (not remove and not sep):
        form = "name:param.path" if remove else "name:param.path=value"
        raise InvalidOption(f"{text!r} is not {form} (e.g. checkout_session:metadata.accountRef=acct-7)")
    return Edit(name, tuple(re.sub(r"\[(\d+)\]", r".\1", path).split(".")), None if remove else value, remove)


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
        result.append(Fixture(fixture.name, fixture.path, fixture.method, params, fixture.expected_error_type))
    return result


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
            node[int(last)] = edit.value
    elif edit.remove:
        node.pop(last, None)
    else:
        node[last] = edit.value


# ---- running ------------------------------------------------------------------------------------------------
class ApiError(Exception):
    """What `send` raises for an API error answer, with Stripe's error type (e.g. `card_error`) and status."""

    def __init__(self, error_type: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error_type, self.status = error_type, status
        self.fixture, self.request = "", ""


def run(fixtures: list[Fixture], send: Send, environ: Mapping[str, str],
        on_step: Callable[[Step], None] | None = None) -> dict[str, dict]:
    """Run the fixtures in order; returns each fixture's response by name. An API error stops the run
    (send raises) unless it is the fixture's `expected_error_type`."""
    responses: dict[str, dict] = {}
    for fixture in fixtures:
        where = f"fixture {fixture.name!r}"
        path = resolve(fixture.path, responses, environ, where)
        params = resolve(fixture.params, responses, environ, where)
        try:
            step = Step(fixture, path, params, send(fixture.method, path, params))
        except ApiError as exc:
            if fixture.expected_error_type is None or exc.error_type != fixture.expected_error_type:
                exc.fixture, exc.request = fixture.name, f"{fixture.method.upper()} {path}"
                raise
            step = Step(fixture, path, params, None, exc.error_type)
        responses[fixture.name] = step.response or {}
        if on_step:
            on_step(step)
    return responses
