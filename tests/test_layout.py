"""The layout rules of docs/ARCHITECTURE.md, checked on the source: the core has no discord
import, no module grows past 500 lines, no two modules import each other (directly or
round a loop), and every package says what it exports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "cogs", "storage")
MAX_LINES = 500
# The entry point starts the Discord layer (cogs.client) once settings are valid.
DISCORD_ALLOWED = {"bot.__main__"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported (module level; not TYPE_CHECKING blocks
    or function bodies, which run later)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    names.add(child if child in MODULES else node.module)
            elif isinstance(node, ast.If) and not _type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(tree.body)
    return names


GRAPH = {name: {m for m in _imports(path) if m in MODULES} for name, path in MODULES.items()}


def test_the_core_has_no_discord_import() -> None:
    offenders = [
        name
        for name, path in MODULES.items()
        if name.startswith("bot") and name not in DISCORD_ALLOWED
        and any(m == "discord" or m.startswith("discord.") for m in _imports(path))
    ]  # fmt: skip
    assert offenders == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_500_lines(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_no_import_cycles_between_modules() -> None:
    """Tarjan's strongly connected components over the module import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in GRAPH[node]:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            connect(node)
    assert cycles == []


def test_the_graph_sees_real_imports() -> None:
    """The checks above are only as good as the graph: it must see known edges."""
    assert "bot.seedance.limits" in GRAPH["bot.seedance.checks"]
    assert "bot.generation.job" in GRAPH["storage.ledger"]
    assert "bot.sessions.service" in GRAPH["bot.sessions.uploads"]
    assert "cogs.session.card_components" in GRAPH["cogs.session.result_components"]
    assert "cogs.session.cog" not in GRAPH["cogs.session.card_components"]  # TYPE_CHECKING


@pytest.mark.parametrize(
    "package",
    sorted(n for n, p in MODULES.items() if p.name == "__init__.py" and n.startswith("bot.")),
)
def test_core_packages_export_their_public_names(package: str) -> None:
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    exported = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    ]
    assert exported, f"{package}/__init__.py has no __all__"
    assert ast.get_docstring(tree), f"{package}/__init__.py says nothing about the package"
