"""The import graph of sagecli/: no circle, and every import points to the same or a lower layer.

Imports are read with `ast` from the source (all of them: module level, inside functions and under
TYPE_CHECKING, since each is a dependency of the importing module). Layers, bottom first; a module may
import its own layer or any layer below it, never one above:

  0  sagecli/__init__, errors, paths, output, names, deps, procgroup, contracts  (plain building blocks)
  1  knowledge  2 registry  3 monitor  4 recommend  5 serve  6 quiz  7 aws  8 train  9 transform
 10  flow        (the reference flow over the Backend protocol)
     experiments (MLflow tracking of finished runs, between flow and ui)
 11  ui          (the only package that imports rich/questionary)
 12  commands    (Typer commands: options -> one core call -> render)
 13  cli, __main__
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sagecli"

LAYERS: list[tuple[str, ...]] = [
    ("sagecli", "errors", "paths", "output", "names", "deps", "procgroup", "contracts"),
    ("knowledge",), ("registry",), ("monitor",), ("recommend",), ("serve",), ("quiz",), ("aws",),
    ("train",), ("transform",),
    ("flow",),
    ("experiments",),
    ("ui",),
    ("commands",),
    ("cli", "__main__"),
]
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The sagecli modules `name` imports (a `from pkg import mod` names the module mod, else pkg)."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "sagecli")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "sagecli":
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            out.update(subs or [target])
    return {m for m in out if m != name}


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {name: {m for m in imports_of(name, path, known) if m in known} for name, path in mods.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    part = parts[1] if len(parts) > 1 else parts[0]
    if part not in RANK:
        raise AssertionError(f"{module} is in no declared layer: add its package to LAYERS in {__file__}")
    return RANK[part]


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{src} (layer {layer(src)}) imports {dst} (layer {layer(dst)})"
                  for src, dsts in edges.items() for dst in dsts if layer(dst) > layer(src))


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
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


def test_every_module_is_in_a_declared_layer():
    for name in modules():
        layer(name)


def test_no_import_runs_upward():
    assert upward_imports(graph()) == []


def test_no_circle_of_imports():
    assert circles(graph()) == []


def test_the_flow_imports_no_view():
    """The orchestration layer does not know the terminal (issue 12: flow/options.py imported ui/)."""
    edges = graph()
    bad = sorted(f"{s} -> {d}" for s, ds in edges.items() if s.startswith("sagecli.flow")
                 for d in ds if d.startswith(("sagecli.ui", "sagecli.commands")))
    assert bad == []


# The checker itself must be able to fail: small packages written to tmp_path.
def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "sagecli" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "sagecli"


def test_the_checker_finds_a_circle_through_lazy_and_type_checking_imports(tmp_path):
    pkg = _write(tmp_path, {
        "__init__.py": "",
        "flow/__init__.py": "",
        "flow/a.py": "from sagecli.flow import b\n",
        "flow/b.py": "def f():\n    from sagecli.flow.c import x\n",
        "flow/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n",
    })
    assert circles(graph(pkg)) == [["sagecli.flow.a", "sagecli.flow.b", "sagecli.flow.c"]]


@pytest.mark.parametrize(("source", "upward"), [
    ("from sagecli.flow.x import y\n", True),
    ("from sagecli.errors import SageCliError\n", False),
    ("def f():\n    import sagecli.ui.view\n", True),
    ("from ..errors import SageCliError\n", False),
    ("from ..flow import x\n", True),
])
def test_the_checker_finds_an_upward_import(tmp_path, source, upward):
    pkg = _write(tmp_path, {
        "__init__.py": "", "errors.py": "", "serve/__init__.py": "", "serve/m.py": source,
        "flow/__init__.py": "", "flow/x.py": "", "ui/__init__.py": "", "ui/view.py": "",
    })
    assert bool(upward_imports(graph(pkg))) is upward
