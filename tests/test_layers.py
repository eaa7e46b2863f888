"""The layers, read from the package's imports with ``ast`` (no import runs):

- a face (web/, api/, cli/, scim/) and the developer data (devdata/) never
  touch the session or a model's legacy query: they call services, and end
  their transaction through skills_app/transaction.py;
- ``models`` imports nothing above it, ``reports`` nothing above it (no
  services, no faces): reports shape what the services read;
- no import cycle among the package's modules, counting the imports inside
  functions, which would otherwise hide one.
"""
from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "skills_app"
FACES = ("skills_app.web", "skills_app.api", "skills_app.cli", "skills_app.scim", "skills_app.devdata")
ABOVE_MODELS = ("skills_app.reports", "skills_app.services", "skills_app.importers", "skills_app.exporters",
                "skills_app.policy", "skills_app.paging", "skills_app.cache") + FACES
ABOVE_REPORTS = ("skills_app.services", "skills_app.policy") + FACES

# The only import cycle allowed, and why: the console script's main()
# (skills_app/cli/__init__.py) builds the app through the factory, and the
# factory (skills_app/__init__.py, create_app) registers the command line.
# The factory is the composition root; the edge from the command line to it is
# the one way the command line gets an app.
ALLOWED_EDGES = {("skills_app.cli", "skills_app")}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"), str(modules()[name]))


def _resolve(name: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = name.split(".")
    if not modules()[name].name == "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(module: ast.Module) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:`` (never imported at run time)."""
    skipped = set()
    for node in ast.walk(module):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    return skipped


@cache
def imports(name: str) -> frozenset[str]:
    """The package's modules that ``name`` imports, at the top or in a function
    (not those under ``if TYPE_CHECKING:``)."""
    found = set()
    skipped = _type_checking_only(tree(name))
    for node in ast.walk(tree(name)):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(name, node)
            targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules() else source for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules():
                target = target.rpartition(".")[0]
            if target.startswith("skills_app") and target != name:
                found.add(target)
    return frozenset(found)


def _in(name: str, areas) -> bool:
    return any(name == area or name.startswith(area + ".") for area in areas)


def _faces():
    return [name for name in modules() if _in(name, FACES)]


@pytest.mark.parametrize("name", _faces())
def test_a_face_never_touches_the_session_or_a_query(name):
    wrong = []
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module == "skills_app.extensions":
            wrong += [f"line {node.lineno}: imports db" for alias in node.names if alias.name == "db"]
        if isinstance(node, ast.Attribute) and node.attr == "session" and isinstance(node.value, ast.Name) and node.value.id == "db":
            wrong.append(f"line {node.lineno}: db.session")
        if isinstance(node, ast.Attribute) and node.attr == "query" and isinstance(node.value, ast.Name) and node.value.id[:1].isupper():
            wrong.append(f"line {node.lineno}: {node.value.id}.query")
    assert not wrong, f"{name} reaches the database itself (call a service): {wrong}"


@pytest.mark.parametrize("layer, above", [("skills_app.models", ABOVE_MODELS), ("skills_app.reports", ABOVE_REPORTS)])
def test_lower_layers_never_import_upwards(layer, above):
    wrong = sorted(f"{name} imports {target}" for name in modules() if _in(name, [layer])
                   for target in imports(name) if _in(target, above))
    assert not wrong, wrong


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each as
    one cycle through it."""
    graph = {name: sorted(t for t in imports(name) if (name, t) not in ALLOWED_EDGES) for name in modules()}
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(_one_cycle(graph, set(component)))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def _one_cycle(graph, component: set[str]) -> list[str]:
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in graph[v]:
            if w == start:
                return paths[v] + [start]
            if w in component and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return sorted(component)


def test_no_import_cycle_counting_imports_inside_functions():
    cycles = _cycles()
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_reader_sees_function_level_imports():
    # The cycle check counts imports inside functions: the command line's lazy ones are seen.
    assert "skills_app.services.exports" in imports("skills_app.cli.report")
    assert "skills_app" in imports("skills_app.cli")
