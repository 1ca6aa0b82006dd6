"""Every import of a project module names one that exists (a stale name hides from the layer walk, which falls
back to the enclosing package, and fails only when the line runs)."""

import ast

import pytest

from tests.unit.test_layers import PACKAGES, modules


def unresolved(name: str, path) -> list[str]:
    tree, found = ast.parse(path.read_text(), str(path)), []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if target.split(".")[0] in PACKAGES and target not in modules():
                found.append(f"{name}:{node.lineno} from {'.' * node.level}{node.module or ''}")
        elif isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno} import {a.name}" for a in node.names
                      if a.name.split(".")[0] in PACKAGES and a.name not in modules()]
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_every_project_import_names_an_existing_module(package):
    found = [f for name, path in modules().items() if name.split(".")[0] == package for f in unresolved(name, path)]
    assert not found, found
