"""The house's shape, checked: imports read one way, modules stay small, the map is true.

docs/architecture.md draws the layers; these tests keep the drawing honest. Imports are
read from the source with ``ast`` (lazy imports inside functions count, imports under
``if TYPE_CHECKING:`` do not: they never run).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "ptcpt"
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ptcpt modules ``name`` imports when it runs (lazily or not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name and not name.startswith(m + ".")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycles(_graph()) == []


LAYER_HEADING = re.compile(r"^### (\d)\. (.+)$", re.MULTILINE)
MODULE_ROW = re.compile(r"^\| `([\w/]+\.py)` \|", re.MULTILINE)
#: Over 500 lines with no reason needed: the CLI is a list of subcommands.
EXEMPT_FROM_SIZE = {"ptcpt.cli"}
MAX_LINES = 500


def _layers_on_the_page() -> dict[str, int]:
    """Module name -> layer, as the tables of docs/architecture.md list them."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    headings = list(LAYER_HEADING.finditer(text))
    assert headings, "docs/architecture.md has no '### N. layer' headings"
    layers: dict[str, int] = {}
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(text)
        for row in MODULE_ROW.finditer(text, heading.end(), end):
            name = _module_name(PACKAGE / row.group(1))
            assert name not in layers, f"{row.group(1)} is listed twice in docs/architecture.md"
            layers[name] = int(heading.group(1))
    return layers


def test_the_page_lists_every_module_once_and_no_other() -> None:
    listed = set(_layers_on_the_page())
    modules = set(_modules())
    assert sorted(modules - listed) == [], "add these modules to a layer in docs/architecture.md"
    assert sorted(listed - modules) == [], "docs/architecture.md lists modules that do not exist"


def test_no_module_imports_from_a_higher_layer() -> None:
    layers = _layers_on_the_page()
    upward = sorted(
        f"{name} (layer {layers[name]}) imports {imported} (layer {layers[imported]})"
        for name, imports in _graph().items()
        for imported in imports
        if layers[imported] > layers[name]
    )
    assert upward == []


def test_the_layer_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The import reader sees a lazy import inside a function, and skips TYPE_CHECKING."""
    source = tmp_path / "sample.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ptcpt._engine import Checker\n"
        "def view():\n"
        "    from ptcpt.cli import main\n"
        "    from . import errors\n",
        encoding="utf-8",
    )
    known = {"ptcpt._engine", "ptcpt.cli", "ptcpt.errors"}
    assert _imports("ptcpt.sample", source, known) == {"ptcpt.cli", "ptcpt.errors"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_a_long_module_says_why_at_its_top() -> None:
    """No module outside the CLI is over 500 lines without a reason in its docstring."""
    unexplained = []
    for name, path in _modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines <= MAX_LINES or name in EXEMPT_FROM_SIZE:
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if not re.search(r"over 500 lines", docstring, re.IGNORECASE):
            unexplained.append(f"{name}: {lines} lines")
    assert unexplained == []
