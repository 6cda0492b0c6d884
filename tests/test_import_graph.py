"""The import graph of ``aekit``: no circles, nothing private imported across modules.

The package is read with :mod:`ast` (nothing is imported). What counts:

- **every** ``import`` / ``from ... import`` statement in a module: at module
  level, inside functions and methods, and under ``if TYPE_CHECKING:``. A
  function-level import only hides a circle from Python's import machinery
  (it runs later); the two modules still depend on each other, so it counts.
- an edge goes to the most specific module named: ``from aekit.data import
  ucr`` is an edge to ``aekit.data.ucr`` (a submodule), ``from aekit.data
  import Dataset`` one to ``aekit.data`` (the package's ``__init__``).
  Importing a submodule also runs its parents' ``__init__``; that is not
  counted as an edge, or every package would be a circle with its modules.
- names imported as strings (``importlib.import_module``, lazy ``__getattr__``
  registries) cannot be seen here; they are the one way to point upwards
  without a circle and must stay string registries.

The same holds one level up: the subpackages and top-level modules form no
circle either (an arrow back up, such as ``io`` -> ``estimators`` while the
estimators import ``io``, is such a circle).

Private means a name or a module whose own name starts with one underscore
(``_read_parquet``, ``aekit.evaluation._validation``); dunders are public. A
private name may not be imported from another module; a private module only
by modules inside its parent package.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "aekit"


def _module_name(path: Path) -> str:
    parts = ["aekit", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(module: str):
    """(imported module, imported name or None, line) for every aekit import in ``module``."""
    tree = ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))
    package = module if _is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "aekit" or alias.name.startswith("aekit."):
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x / from ..y import z
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source != "aekit" and not source.startswith("aekit."):
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:  # a submodule
                    yield f"{source}.{alias.name}", None, node.lineno
                else:
                    yield source, alias.name, node.lineno


def _graph() -> dict[str, set[str]]:
    graph = {module: set() for module in MODULES}
    for module in MODULES:
        for target, _, _ in _imports(module):
            while target not in MODULES:  # ``import aekit.x.y`` of a name, not a module
                target = target.rpartition(".")[0]
            if target != module:
                graph[module].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_between(graph: dict[str, set[str]], start: str, members: set[str]) -> list[str]:
    """One circle through ``start`` inside ``members``, for the failure message."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph[node] & members):
            if succ == start:
                return paths[node] + [start]
            if succ not in paths:
                paths[succ] = paths[node] + [succ]
                queue.append(succ)
    return [start]


def test_the_walk_sees_the_package():
    graph = _graph()
    assert len(MODULES) > 50 and "aekit.cli" in MODULES and "aekit.io" in MODULES
    assert "aekit.cli._common" in graph["aekit.cli.train"]  # function- and module-level imports both seen
    assert "aekit.io" in graph["aekit.cli.generate"]  # (a function-level one)


def test_no_import_circles():
    graph = _graph()
    circles = [" -> ".join(_path_between(graph, members[0], set(members))) for members in _circles(graph)]
    assert not circles, "import circles inside aekit:\n" + "\n".join(circles)


def test_no_circles_between_packages():
    """The subpackages and top-level modules (``aekit.data``, ``aekit.io``, ...) import each other
    in one direction only: an arrow back up (``io`` -> ``estimators`` -> ``io``) is a circle here
    even when the modules involved are not."""
    top = {module: ".".join(module.split(".")[:2]) for module in MODULES}
    graph = {package: set() for package in top.values()}
    for module, targets in _graph().items():
        graph[top[module]] |= {top[t] for t in targets if top[t] != top[module]}
    circles = [" -> ".join(_path_between(graph, members[0], set(members))) for members in _circles(graph)]
    assert not circles, "packages that import each other:\n" + "\n".join(circles)


def test_the_circle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
    assert _path_between(graph, "a", {"a", "b", "c"}) == ["a", "b", "c", "a"]


def _private_imports() -> list[str]:
    found = []
    for module in MODULES:
        for target, name, line in _imports(module):
            where = f"{MODULES[module].relative_to(ROOT.parent)}:{line}"
            if name is not None and _is_private(name) and target != module:
                found.append(f"{where}: {name} from {target}")
            parts = target.split(".")
            for i, part in enumerate(parts):
                owner = ".".join(parts[:i])  # the package a private module belongs to
                if _is_private(part) and not (module == owner or module.startswith(owner + ".")):
                    found.append(f"{where}: private module {'.'.join(parts[:i + 1])} from outside {owner}")
    return found


def test_nothing_private_is_imported_across_modules():
    found = _private_imports()
    assert not found, "private names imported across modules (make them public or move them):\n" + "\n".join(found)
