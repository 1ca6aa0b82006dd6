"""The package's shape, read from its imports with `ast`: layers point down, no cycles, tables declared."""

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("simulator", "steps", "platform_adapter", "simplex_stripe", "benchmarks")

# simulator/'s layers, lowest first: a module imports only from its own layer or a lower one.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("facts", ("simulator.errors", "simulator.ids", "simulator.versions", "simulator.periods", "simulator.tax",
               "simulator.spec", "simulator.sepa", "simulator.ach", "simulator.objects", "simulator.story_names",
               "simulator.trigger_names", "simulator.dotenv")),
    ("engine", ("simulator.engine",)),
    ("delivery", ("simulator.delivery",)),
    ("api", ("simulator.api",)),
    ("fake", ("simulator.fake_stripe",)),
    ("stories", ("simulator.stories", "simulator.casts", "simulator.worlds", "simulator.backends",
                 "simulator.fixtures", "simulator.triggers", "simulator.fidelity", "simulator.fixture_send",
                 "simulator.fixture_check")),
    ("load", ("simulator.load",)),
)
MAX_LAYERS = 6


def module_name(path: Path) -> str:
    """The dotted name of a source file under ROOT."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def _target(importer: str, node: ast.ImportFrom | ast.Import, name: str, is_package: bool) -> str | None:
    """The project module an import names (the nearest enclosing one), or None for outside code."""
    if isinstance(node, ast.ImportFrom):
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        if node.level:
            base = base[:len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        candidate = f"{prefix}.{name}"
        dotted = candidate if candidate in modules() else prefix
    else:
        dotted = name
    while dotted and dotted not in modules():
        dotted = dotted.rpartition(".")[0]
    return dotted or None


@cache
def imports() -> dict[str, dict[str, bool]]:
    """module -> {imported module: imported at module level?} (imports inside functions count too)."""
    graph: dict[str, dict[str, bool]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(), str(path))
        edges: dict[str, bool] = {}
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for alias in node.names:
                target = _target(name, node, alias.name, path.name == "__init__.py")
                if target and target != name:
                    edges[target] = edges.get(target, False) or id(node) in top
        graph[name] = edges
    return graph


def layer_of(module: str) -> int | None:
    """The index in LAYERS of a simulator module (None outside simulator/)."""
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def find_cycle() -> list[str] | None:
    """One import cycle, as the list of modules around it, or None."""
    graph, state, stack = imports(), {}, []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in graph.get(node, {}):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_every_simulator_module_has_a_layer():
    unplaced = [m for m in modules() if m.startswith("simulator.") and layer_of(m) is None]
    assert not unplaced, f"add these modules to a layer in LAYERS: {unplaced}"


def test_no_import_cycles_even_inside_functions():
    assert find_cycle() is None, " -> ".join(find_cycle())


def test_imports_point_down_the_layers():
    upward = [f"{m} -> {t}" for m, targets in imports().items() for t in targets
              if layer_of(m) is not None and layer_of(t) is not None and layer_of(t) > layer_of(m)]
    assert not upward, upward


@pytest.mark.parametrize("higher", ["simulator.api", "simulator.delivery", "simulator.fake_stripe",
                                    "simulator.stories", "simulator.backends", "simulator.load"])
def test_the_engine_knows_no_http_delivery_or_stories(higher):
    found = [f"{m} -> {t}" for m, targets in imports().items() if m.startswith("simulator.engine")
             for t in targets if t == higher or t.startswith(higher + ".")]
    assert not found, found


def test_platform_never_imports_the_simulator():
    found = [f"{m} -> {t}" for m, targets in imports().items() if m.startswith("platform_adapter")
             for t in targets if t.startswith(("simulator", "steps", "simplex_stripe"))]
    assert not found, found


def test_layer_chains_are_short():
    """The longest chain of layers one import path crosses inside simulator/."""
    graph = {index: set() for index in range(len(LAYERS))}
    for module, targets in imports().items():
        for target in targets:
            if layer_of(module) is not None and layer_of(target) is not None and layer_of(module) != layer_of(target):
                graph[layer_of(module)].add(layer_of(target))

    @cache
    def depth(layer: int) -> int:
        return 1 + max((depth(t) for t in graph[layer]), default=0)

    longest = max(depth(layer) for layer in graph)
    assert longest <= MAX_LAYERS, longest


def _imported_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).partition(".")[0] for alias in node.names}
    return names


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


MUTATORS = {"add", "append", "extend", "update", "setdefault", "insert", "pop", "remove", "clear", "discard",
            "register", "__setitem__"}


def module_level_mutations(path: Path) -> list[str]:
    """Module-level statements that change a name imported from another module (a table filled by import)."""
    tree = ast.parse(path.read_text(), str(path))
    imported, found = _imported_names(tree), []
    for node in _statements(tree.body):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets = [t for t in targets if isinstance(t, (ast.Attribute, ast.Subscript))]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            targets = [func.value] if isinstance(func, ast.Attribute) and func.attr in MUTATORS else []
        found += [f"{path.relative_to(ROOT)}:{node.lineno}" for t in targets if _root_name(t) in imported]
    return found


def _statements(body: list[ast.stmt]):
    """Statements run at import time: the module's own, and those inside its top-level if/for/with/try."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            yield from _statements(getattr(node, field, []) or [])


def test_no_module_fills_another_modules_table():
    # benchmarks/ are scripts: they put the repository on sys.path before importing it.
    found = [hit for name, path in modules().items() if not name.startswith("benchmarks")
             for hit in module_level_mutations(path)]
    assert not found, found


def test_the_mutation_check_can_fail(tmp_path):
    sample = ROOT / "simulator" / "_layer_probe.py"
    try:
        sample.write_text("from .engine.model import RENDERERS\nRENDERERS['x'] = None\n"
                          "from .api import app\nfor k in 'ab':\n    app.INCLUDABLE.update({})\n"
                          "query = app.table.update().where(1)\n")
        assert len(module_level_mutations(sample)) == 2
    finally:
        sample.unlink()
