"""Reading docker-compose.yml and the Dockerfile offline: YAML, `${VAR:-default}` interpolation, instructions."""

import re
import shlex
from pathlib import Path

from tests.support.required import need

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
_VARIABLE = re.compile(r"\$\{(\w+)(:?-)?([^}]*)\}")


def load_compose(path: Path = COMPOSE) -> dict:
    """The compose file as plain data (ruamel.yaml comes with check-jsonschema)."""
    try:
        from ruamel.yaml import YAML
    except ImportError:
        need(False, "ruamel.yaml is not installed (pip install '.[test]' brings it with check-jsonschema)")
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def interpolate(value: str, environ: dict[str, str] | None = None) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` against `environ` (default: nothing set)."""
    environ = environ or {}

    def substitute(match: re.Match) -> str:
        name, operator, default = match.groups()
        if name in environ and (environ[name] or operator != ":-"):
            return environ[name]
        return default if operator else ""

    return _VARIABLE.sub(substitute, value)


def published(service: dict) -> list[tuple[str, int, int]]:
    """(host interface, host port, container port) of each `ports` entry, defaults interpolated."""
    out = []
    for entry in service.get("ports", []):
        parts = interpolate(str(entry)).split(":")
        host_ip = parts[0] if len(parts) == 3 else "0.0.0.0"
        out.append((host_ip, int(parts[-2]), int(parts[-1].split("/")[0])))
    return out


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def exec_form(arguments: str) -> list[str]:
    """A CMD/HEALTHCHECK CMD argument list: JSON exec form, or shell words."""
    import json
    arguments = arguments.strip()
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
