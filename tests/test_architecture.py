"""The one-way flow, held by a test: every import in the package is checked against one table.

Data flows connectors → ingest → store; metrics → store; access → metrics; and web, cli and
exports sit on top. An import against that flow, an import cycle between modules, a private
name taken from another module, or a benchmark importing the benchmark runner fails here with
the two module names.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "labelpulse"

# Each component (a module or a package, matched by the longest prefix) and the components it may
# import. A component may always import its own modules. The table is the architecture: change
# it only when the design changes, and say why in docs/decisions.md.
BELOW_ENTRY_POINTS = frozenset(
    {
        "labelpulse",
        "labelpulse.errors",
        "labelpulse.events",
        "labelpulse.config",
        "labelpulse.validation",
        "labelpulse.store",
        "labelpulse.ingest",
        "labelpulse.connectors",
        "labelpulse.metrics",
        "labelpulse.access",
        "labelpulse.readable",
        "labelpulse.exports",
        "labelpulse.digest",
        "labelpulse.team",
    }
)
ALLOWED: dict[str, frozenset[str]] = {
    "labelpulse.errors": frozenset(),
    "labelpulse.events": frozenset({"labelpulse.errors"}),
    "labelpulse.config": frozenset({"labelpulse.errors"}),
    "labelpulse.validation": frozenset({"labelpulse.errors", "labelpulse.events"}),
    "labelpulse.store": frozenset(
        {"labelpulse.errors", "labelpulse.events", "labelpulse.validation"}
    ),
    "labelpulse.ingest": frozenset(
        {"labelpulse.errors", "labelpulse.events", "labelpulse.validation", "labelpulse.store"}
    ),
    "labelpulse.connectors": frozenset(
        {
            "labelpulse.errors",
            "labelpulse.events",
            "labelpulse.validation",
            "labelpulse.store",
            "labelpulse.ingest",
        }
    ),
    "labelpulse.metrics": frozenset(
        {"labelpulse.errors", "labelpulse.events", "labelpulse.config", "labelpulse.store"}
    ),
    "labelpulse.access": frozenset(
        {
            "labelpulse.errors",
            "labelpulse.events",
            "labelpulse.config",
            "labelpulse.store",
            "labelpulse.metrics",
        }
    ),
    "labelpulse.readable": frozenset({"labelpulse.errors", "labelpulse.metrics"}),
    "labelpulse.exports": frozenset(
        {
            "labelpulse.errors",
            "labelpulse.events",
            "labelpulse.config",
            "labelpulse.metrics",
            "labelpulse.readable",
        }
    ),
    "labelpulse.copy": frozenset({"labelpulse.errors", "labelpulse.events", "labelpulse.store"}),
    # DIGEST: the team's totals worded (the overview's and the digest's), and the weekly
    # digest, which reads reports as each recipient (access) and words them.
    "labelpulse.team": frozenset({"labelpulse.metrics", "labelpulse.readable"}),
    "labelpulse.digest": frozenset(
        {
            "labelpulse.errors",
            "labelpulse.config",
            "labelpulse.store",
            "labelpulse.metrics",
            "labelpulse.access",
            "labelpulse.readable",
            "labelpulse.team",
        }
    ),
    "labelpulse.demo": frozenset(
        {"labelpulse.errors", "labelpulse.events", "labelpulse.demo_flags"}  # FLAGS (issue 16)
    ),
    "labelpulse.demo_flags": frozenset(),  # FLAGS (issue 16): the demo's flagged work
    # The entry points sit on top and may use anything below them; web and cli not each other,
    # except that `labelpulse serve` starts the web app.
    "labelpulse.web": BELOW_ENTRY_POINTS,
    "labelpulse.cli": BELOW_ENTRY_POINTS | {"labelpulse.copy", "labelpulse.demo", "labelpulse.web"},
    "labelpulse.__main__": frozenset({"labelpulse.cli"}),
    "labelpulse": frozenset(),
}


@dataclass(frozen=True)
class Import:
    """One import statement's edge: who imports what (a module), and the names it takes."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int
    lazy: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules(top: str) -> dict[str, Path]:
    """Every module of a top-level package, by dotted name."""
    return {module_name(p): p for p in sorted((ROOT / top).rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, lazy: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            continue  # annotations only: never run
        inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield child, inner
        yield from _walk(child, inner)


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """The modules one module imports (`from pkg import submodule` counts as the submodule)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []
    for node, lazy in _walk(ast.parse(path.read_text(), str(path)), False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(name, alias.name, (), node.lineno, lazy))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            plain = []
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    found.append(Import(name, f"{target}.{alias.name}", (), node.lineno, lazy))
                else:
                    plain.append(alias.name)
            if plain:
                found.append(Import(name, target, tuple(plain), node.lineno, lazy))
    return found


def component(module: str) -> str | None:
    """The component of the table a module belongs to (longest prefix), if it is ours."""
    best = None
    for prefix in ALLOWED:
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return best


def flow_problems(edges: list[Import]) -> list[str]:
    """Imports whose arrow the table does not allow, named by the two modules."""
    problems = []
    for edge in edges:
        source, target = component(edge.source), component(edge.target)
        if source is None or target is None or source == target:
            continue
        if target not in ALLOWED[source]:
            problems.append(
                f"{edge.source} imports {edge.target} (line {edge.line}): "
                f"{source} may not depend on {target}"
            )
    return problems


def private_problems(edges: list[Import]) -> list[str]:
    """Private names (`_name`) taken from another module."""
    return [
        f"{edge.source} imports the private {name} from {edge.target} (line {edge.line})"
        for edge in edges
        for name in edge.names
        if name.startswith("_") and not name.startswith("__") and edge.target.startswith(PACKAGE)
    ]


def cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.source != edge.target:
            graph.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def package_edges(top: str) -> list[Import]:
    found = modules(top)
    known = set(found)
    edges = []
    for name, path in found.items():
        edges += [e for e in imports_of(name, path, known) if e.target.split(".")[0] == top]
    return edges


def test_every_module_is_in_the_table() -> None:
    unplaced = [m for m in modules(PACKAGE) if component(m) is None]
    assert unplaced == []


def test_imports_follow_the_flow() -> None:
    problems = flow_problems(package_edges(PACKAGE))
    assert not problems, "\n".join(problems)


def test_no_import_cycles() -> None:
    # Package __init__ modules re-export their submodules, so an edge into a package's
    # __init__ from its own submodule is the package importing itself, not a cycle of design.
    edges = [
        e
        for e in package_edges(PACKAGE)
        if not (
            e.source.startswith(e.target + ".") and (ROOT / Path(*e.target.split("."))).is_dir()
        )
    ]
    found = cycles(edges)
    assert not found, "\n".join("import cycle: " + " <-> ".join(group) for group in found)


def test_no_private_names_across_modules() -> None:
    problems = private_problems(package_edges(PACKAGE))
    assert not problems, "\n".join(problems)


def test_benchmarks_share_a_module_not_the_runner() -> None:
    runner = [
        f"{e.source} imports the runner {e.target} (line {e.line})"
        for e in package_edges("benchmarks")
        if e.target == "benchmarks.__main__"
    ]
    problems = runner + private_problems(package_edges("benchmarks"))
    assert not problems, "\n".join(problems)


def test_an_arrow_against_the_flow_is_named() -> None:
    # The checker itself: an arrow from the store up to metrics, and a cycle, are both caught.
    up = Import("labelpulse.store.duckdb", "labelpulse.metrics.scope", ("Scope",), 7, False)
    assert flow_problems([up]) == [
        "labelpulse.store.duckdb imports labelpulse.metrics.scope (line 7): "
        "labelpulse.store may not depend on labelpulse.metrics"
    ]
    back = Import("labelpulse.metrics.scope", "labelpulse.store.duckdb", (), 3, False)
    assert cycles([up, back]) == [["labelpulse.metrics.scope", "labelpulse.store.duckdb"]]
    sneaky = Import("labelpulse.web.hooks", "labelpulse.web.api", ("_body",), 9, False)
    assert private_problems([sneaky]) == [
        "labelpulse.web.hooks imports the private _body from labelpulse.web.api (line 9)"
    ]
