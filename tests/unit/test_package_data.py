"""An installed copy carries every file the packages read at run time (the favicon was missing: `*.svg`)."""

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("platform_adapter", "simulator", "simplex_stripe", "steps", "features")


def test_every_data_file_of_the_packages_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]
    missing = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            module = ".".join(path.parent.relative_to(ROOT).parts)
            wanted = patterns.get("*", []) + patterns.get(module, [])
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in wanted):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == [], f"not shipped in a wheel: {missing}"
