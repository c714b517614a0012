"""The package's layers hold: no import circles, imports run down the layers (the few that run
back up are listed), and few top-level modules. Read from the source, not by importing it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mtdetect"

#: Layers from the bottom: a module may import from its own layer and the ones below.
LAYERS: list[tuple[str, ...]] = [
    ("_version", "native", "odds", "wordlists", "result"),
    ("text",),
    ("evidence",),
    ("detectors", "tagger"),
    ("classifier",),
    ("pipeline",),
    ("report", "inputs"),
    ("audit",),
    ("cli", "loading", ""),  # "" is the package root
]
#: The imports that run back up a layer, on purpose: the audit loads its detector.
UPWARD = {
    ("mtdetect.audit.adapters", "mtdetect.loading"),
    ("mtdetect.audit.records", "mtdetect.loading"),
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = ("mtdetect", *p.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (anywhere in it, functions included)."""

    def resolve(target: str) -> str | None:
        parts = target.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in mods:
                return ".".join(parts[:i])
        return None

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    if alias.name == "_core":  # the compiled extension, not a module here
                        continue
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if resolve(full) == full else node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for t in targets:
                r = resolve(t)
                if r is not None and r != name:
                    edges[name].add(r)
    return edges


def _layer(module: str) -> int:
    rest = module.removeprefix("mtdetect").removeprefix(".")
    top = rest.split(".")[0]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def test_no_import_circles() -> None:
    edges = _imports(_modules())
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(edges[m]):
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " -> ".join([*path, m, n]))
            if n not in state:
                visit(n, [*path, m])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [])


def test_imports_run_down_the_layers() -> None:
    edges = _imports(_modules())
    upward = {(a, b) for a, bs in edges.items() for b in bs if _layer(b) > _layer(a)}
    assert upward == UPWARD
    assert len(UPWARD) <= 4


def test_nothing_inside_imports_the_package_root() -> None:
    edges = _imports(_modules())
    assert [m for m, targets in edges.items() if "mtdetect" in targets] == []


def test_few_top_level_modules() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert len(top) <= 12, top
