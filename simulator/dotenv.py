"""`.env` files as Stripe CLI's fixtures use them: `${.env:VAR}` falls back to one, an `env` block writes to one."""

import re
from pathlib import Path
from typing import Mapping

LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def parse(text: str) -> dict[str, str]:
    """`KEY=value` lines (quotes stripped, `#` comments and blank lines skipped)."""
    values = {}
    for line in text.splitlines():
        match = LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def read(path: Path) -> dict[str, str]:
    """The variables of a `.env` file; none when there is no such file."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        return {}


def environment(environ: Mapping[str, str], folder: Path) -> dict[str, str]:
    """`environ` over the `.env` file in `folder`: a variable set (and not empty) in the process wins."""
    return {**read(folder / ".env"), **{k: v for k, v in environ.items() if v}}


def update(path: Path, values: Mapping[str, str]) -> bool:
    """Set `values` in an existing `.env` file, keeping its other lines; False (nothing written) without one."""
    if not values or not path.is_file() or path.is_symlink():
        return False
    lines, seen = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        if match and not line.lstrip().startswith("#") and match.group(1) in values:
            line = f'{match.group(1)}="{values[match.group(1)]}"'
            seen.add(match.group(1))
        lines.append(line)
    lines += [f'{key}="{value}"' for key, value in values.items() if key not in seen]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True
