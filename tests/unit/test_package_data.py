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
            if not any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns.get("*", ())) and \
                    not _named_by_its_package(path, patterns):
                missing.append(str(path.relative_to(ROOT)))
    assert missing == [], f"not shipped in a wheel: {missing}"


def _named_by_its_package(path: Path, patterns: dict) -> bool:
    """A pattern of an enclosing package names the file by its path below that package (`cassettes/*.yaml`)."""
    for package in path.relative_to(ROOT).parents:
        if package == Path("."):
            break
        below = path.relative_to(ROOT / package).as_posix()
        if any(fnmatch.fnmatch(below, pattern) for pattern in patterns.get(".".join(package.parts), ())):
            return True
    return False
