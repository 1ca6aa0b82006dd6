"""Records the platform's Stripe API calls on the wire, and turns them back into the params the spec describes."""

import io
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Call:
    """One API request as sent: which platform step made it, method, path, and the form pairs of query and body."""

    step: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]

    @property
    def params(self) -> dict:
        """The request's parameters, nested as the SDK was given them (the query's for GET and DELETE)."""
        return nest(self.query if self.method in ("GET", "DELETE") else self.form)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return self.query if self.method in ("GET", "DELETE") else self.form


@dataclass
class Recorder:
    """WSGI middleware in front of an API: records every /v1/ request under the current `step`, then passes it on."""

    app: object
    step: str = ""
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/v1/"):
            raw = request.get_data()
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))  # the app reads them again
            body = raw.decode()
            call = Call(self.step, request.method, request.path, tuple(parse_qsl(request.query_string.decode(),
                        keep_blank_values=True)), tuple(parse_qsl(body, keep_blank_values=True)))
            with self._lock:
                self.calls.append(call)
        return self.app(environ, start_response)


def nest(pairs) -> dict:
    """`line_items[0][price]=p` → {"line_items": [{"price": "p"}]}: Stripe's form brackets undone."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_SEGMENT.findall("[" + rest)] if rest else [key]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    items = {k: _lists(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items) and sorted(map(int, items)) == list(range(len(items))):
        return [items[str(i)] for i in range(len(items))]
    return items


def template_for(method: str, path: str, spec_paths: dict) -> str:
    """The spec's path template for a concrete path (literal segments win over `{param}` ones)."""
    candidates = []
    for template, operations in spec_paths.items():
        if method.lower() not in operations:
            continue
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            candidates.append((template.count("{"), template))
    if not candidates:
        raise KeyError(f"no {method} operation in the spec matches {path}")
    return min(candidates)[1]
