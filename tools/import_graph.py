"""Counts pgwarden's function-level imports and the import cycles between its packages and modules.

Run from the repository root: ``python tools/import_graph.py``. Prints the number of
imports inside functions (and where), then every cycle (strongly connected component
with more than one member) at package level (``pgwarden.X``) and at module level.
Imports out of the root package are left out: ``pgwarden/__init__`` is the public facade
(names under TYPE_CHECKING, loaded on first use) and would join every module into one cycle.
Module cycles are printed twice: with the imports under ``if TYPE_CHECKING:`` and without.
Used for issue 19's before/after figures; import-linter enforces the layers themselves.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path("src")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(path: Path, known: set[str]) -> tuple[set[str], set[str], int, int]:
    """(imported pgwarden modules, those imported for type checking only,
    function-level imports of pgwarden, function-level imports of others)."""
    name = module_name(path)
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    typing_only: set[str] = set()
    inner_own = inner_other = 0
    function_nodes: set[int] = set()
    typing_nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    typing_nodes.add(id(sub))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    function_nodes.add(id(sub))
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = resolve(name, path.name == "__init__.py", node)
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        own = [t for t in targets if t.split(".")[0] == "pgwarden"]
        if id(node) in function_nodes:
            if own:
                inner_own += 1
            else:
                inner_other += 1
        (typing_only if id(node) in typing_nodes else found).update(own)
    return found, typing_only - found, inner_own, inner_other


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> None:
    files = sorted(ROOT.glob("pgwarden/**/*.py"))
    known = {module_name(p) for p in files}
    modules: dict[str, set[str]] = {}
    executed: dict[str, set[str]] = {}
    inner_own = inner_other = 0
    where: list[str] = []
    for p in files:
        deps, typing_only, own, other = imports(p, known)
        name = module_name(p)
        if name == "pgwarden":  # the public facade (see the docstring)
            deps, typing_only = set(), set()
        executed[name] = {d for d in deps if d in known and d != name}
        modules[name] = executed[name] | {d for d in typing_only if d in known and d != name}
        inner_own += own
        inner_other += other
        if own:
            where.append(f"  {name}: {own}")
    print(
        f"function-level imports: {inner_own + inner_other} "
        f"({inner_own} of pgwarden modules, {inner_other} of third-party libraries)"
    )
    print("\n".join(where))

    def pkg(m: str) -> str:
        return ".".join(m.split(".")[:2])

    packages: dict[str, set[str]] = defaultdict(set)
    for m, deps in modules.items():
        packages[pkg(m)].update(pkg(d) for d in deps if pkg(d) != pkg(m) and pkg(d) != "pgwarden")
    pc = cycles(packages)
    print(f"package-level cycles: {len(pc)}")
    for c in pc:
        print("  " + " <-> ".join(c))
    for label, graph in (("with type-only imports", modules), ("executed imports only", executed)):
        mc = cycles(graph)
        print(f"module-level cycles ({label}): {len(mc)}")
        for c in mc:
            print("  " + " <-> ".join(c))
    largest = sorted(((len(p.read_text().splitlines()), module_name(p)) for p in files), reverse=True)[:5]
    print("largest modules: " + ", ".join(f"{n} ({lines})" for lines, n in largest))


if __name__ == "__main__":
    main()
