"""The package's import graph, drawn from the source (``ast``), and the floors it must respect.

``python -m tas_classify._graph`` prints each module's floor and the modules it imports (every
``import`` counts, including those inside functions); ``--check`` exits 1 if there is a cycle, an
arrow that runs up a floor, or a private name imported from another module.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = "tas_classify"
ROOT = Path(__file__).resolve().parent

#: Floors, lowest first. A module may import modules of its own floor or lower ones, never higher.
#: ``api`` and ``parallel`` live flat beside the core but sit above the model: they load it.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("_version", "_resources", "_toml", "errors", "_graph", "_regex")),
    ("core", ("taxonomy", "text", "tokenize", "rules", "features", "calibration", "results")),
    ("model", ("model",)),
    ("facade", ("api", "parallel")),
    ("ledger", ("ledger",)),
    ("report", ("report",)),
    ("review", ("review",)),
    ("web", ("web",)),
    ("cli", ("cli",)),
    ("top", ("dask", "__init__", "__main__")),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def floor_of(module: str) -> int:
    """The floor of a module: by its first name below the package (the package itself is on top)."""
    rest = module.split(".")[1:]
    key = rest[0] if rest else "__init__"
    for i, (_, names) in enumerate(FLOORS):
        if key in names:
            return i
    raise KeyError(f"{module}: on no floor; add it to tas_classify._graph.FLOORS")


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str, path: Path, known: dict[str, Path]) -> tuple[set[str], list[str]]:
    """The package modules ``module`` imports, and the private names it imports from others."""
    out: set[str] = set()
    private: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    target = _resolve(alias.name, known)
                    if target:
                        out.add(target)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in known else _resolve(node.module, known)
                if target:
                    out.add(target)
                is_private = alias.name.startswith("_") and not alias.name.startswith("__")
                if is_private and full not in known and target != module:
                    private.append(f"{module}: from {node.module} import {alias.name}")
    out.discard(module)
    return out, private


def graph() -> tuple[dict[str, set[str]], list[str]]:
    """Module → the package modules it imports, and every private name imported across modules."""
    known = modules()
    edges: dict[str, set[str]] = {}
    private: list[str] = []
    for name, path in known.items():
        edges[name], p = imports(name, path, known)
        private += p
    return edges, private


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Every arrow from a module to one on a higher floor."""
    return [
        f"{a} ({FLOORS[floor_of(a)][0]}) -> {b} ({FLOORS[floor_of(b)][0]})"
        for a in sorted(edges)
        for b in sorted(edges[a])
        if floor_of(b) > floor_of(a)
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    edges, private = graph()
    for i, (floor, _) in reversed(list(enumerate(FLOORS))):
        members = sorted(m for m in edges if floor_of(m) == i)
        if not members:
            continue
        print(f"[{floor}]")
        for m in members:
            short = ", ".join(t.removeprefix(PACKAGE + ".") for t in sorted(edges[m])) or "-"
            print(f"  {m.removeprefix(PACKAGE + '.') or PACKAGE} -> {short}")
    problems = [f"cycle: {' <-> '.join(c)}" for c in cycles(edges)]
    problems += [f"upward: {u}" for u in upward(edges)]
    problems += [f"private: {p}" for p in private]
    for p in problems:
        print(p)
    print(f"{len(edges)} modules, {sum(map(len, edges.values()))} arrows, {len(problems)} problems")
    return 1 if problems and "--check" in args else 0


if __name__ == "__main__":
    raise SystemExit(main())
