"""Recorded HTTP cassettes in the VCR YAML format (vcrpy's and Ruby VCR's), read as a one-story cassette."""

import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from . import cassette
from .errors import CassetteError
from .roles import is_time

STEP = "recorded traffic"
API_PATHS = ("/v1/", "/v2/")
SUFFIXES = (".yaml", ".yml")


def is_vcr(path: str | Path) -> bool:
    """Whether a CASSETTE argument names a VCR YAML file (by its name: .yaml or .yml)."""
    return str(path).lower().endswith(SUFFIXES)


def _header(headers: Any, name: str) -> str | None:
    """One header's value: vcrpy and Ruby VCR both keep a list of values per header, in any case."""
    for key, value in (headers or {}).items():
        if str(key).lower() == name:
            return str(value[0]) if isinstance(value, list) and value else (str(value) if value else None)
    return None


def _body(body: Any, headers: Any) -> str:
    """A body as text: vcrpy's `{string: …}` (text or !!binary), Ruby's `{string:}`/`{base64_string:}`, or plain."""
    if isinstance(body, dict):
        raw = base64.b64decode(body["base64_string"]) if "base64_string" in body else body.get("string", "")
    else:
        raw = body
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    encoding = (_header(headers, "content-encoding") or "").lower()
    if encoding == "gzip":
        raw = gzip.decompress(raw)
    elif encoding == "deflate":
        raw = zlib.decompress(raw)
    return raw.decode("utf-8", "replace")


def _status(response: dict) -> int:
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else status
    return int(code)


def interaction(item: dict) -> tuple[dict | None, str]:
    """One VCR interaction as a cassette request, or None and why it cannot be replayed."""
    request, response = item["request"], item["response"]
    parts = urlsplit(str(request["uri"]))
    method = str(request["method"]).upper()
    if not parts.path.startswith(API_PATHS):
        return None, f"{method} {parts.netloc}{parts.path}: not a Stripe API path"
    text = _body(response.get("body"), response.get("headers"))
    try:
        answer = json.loads(text)
    except ValueError:
        return None, f"{method} {parts.path}: the recorded response is not JSON"
    form = _body(request.get("body"), request.get("headers"))
    params = parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(form, keep_blank_values=True)
    return {"method": method, "path": parts.path, "params": [list(p) for p in params],
            "idempotency_key": _header(request.get("headers"), "idempotency-key"),
            "stripe_version": _header(request.get("headers"), "stripe-version"),
            "status": _status(response), "request_id": _header(response.get("headers"), "request-id"),
            "response": answer}, ""


def _created(value: Any, out: list[int]) -> None:
    if isinstance(value, dict):
        if is_time(value.get("created")):
            out.append(value["created"])
        for item in value.values():
            _created(item, out)
    elif isinstance(value, list):
        for item in value:
            _created(item, out)


def wall(requests: list[dict]) -> list[int]:
    """The seconds the traffic spans, from the objects' `created` times (vcrpy keeps no time per interaction);
    objects the account already had widen it, so their times count as "wall clock" too."""
    times: list[int] = []
    for request in requests:
        _created(request["response"], times)
    return [min(times), max(times) + 1] if times else [0, 0]


def convert(data: Any, name: str) -> dict:
    """A parsed VCR document as a cassette with one story of one step (no events: VCR keeps HTTP only)."""
    items = data.get("interactions", data.get("http_interactions")) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise CassetteError(f"{name}: not a VCR cassette (no \"interactions\" or \"http_interactions\" list)")
    requests, skipped = [], []
    try:
        for item in items:
            request, why = interaction(item)
            (requests.append(request) if request else skipped.append(why))
    except (KeyError, TypeError, ValueError, AttributeError, zlib.error, OSError) as exc:
        raise CassetteError(f"{name}: interaction {len(requests) + len(skipped) + 1} is malformed "
                            f"({type(exc).__name__}: {exc})") from None
    versions = [r["stripe_version"] for r in requests if r["stripe_version"]]
    tape = cassette.new(api_base="(VCR cassette)", api_version=max(set(versions), key=versions.count)
                        if versions else None, sdk=str(data.get("recorded_with") or "vcrpy"), recorded_at="")
    tape.update(source="vcr", skipped=skipped)
    tape["stories"].append({"name": Path(name).stem, "title": f"VCR cassette {Path(name).name}", "anchor": None,
                            "error": None, "steps": [{"name": STEP, "wall": wall(requests), "requests": requests,
                                                      "events": []}]})
    return tape


def load(path: str | Path) -> dict:
    """Read a VCR YAML file as a cassette."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CassetteError(f"{path}: no such cassette") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CassetteError(f"{path}: not a YAML cassette ({' '.join(str(exc).split())[:120]})") from None
    return convert(data, str(path))


def dumps(interactions: list[dict]) -> str:
    """Interactions (method, uri, body, headers, status, response body, response headers) in vcrpy's YAML."""
    out = []
    for item in interactions:
        out.append({
            "request": {"body": item.get("body"), "headers": {k: [v] for k, v in item.get("headers", {}).items()},
                        "method": item["method"], "uri": item["uri"]},
            "response": {"body": {"string": item["response_body"]},
                         "headers": {k: [v] for k, v in item.get("response_headers", {}).items()},
                         "status": {"code": item["status"], "message": item.get("reason", "")}},
        })
    return yaml.safe_dump({"interactions": out, "version": 1}, sort_keys=False, allow_unicode=True, width=120)
