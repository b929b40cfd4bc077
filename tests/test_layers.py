"""The package's layering: every import of `workbench.X` points to the same layer or one above.

The order is the pipeline (README, Layout). A subpackage missing from the order fails too, so a
new room is placed deliberately. `workbench/__init__.py` and `workbench/__main__.py` are the
public face and may import from anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import workbench

ORDER = ["errors", "fields", "sample", "store", "privacy", "leads", "ingest", "linkage",
         "quality", "events", "analysis", "testdata", "jobs", "widgets", "cli"]
PACKAGE = Path(workbench.__file__).resolve().parent
EXEMPT = {PACKAGE / "__init__.py", PACKAGE / "__main__.py"}


def _layer(path: Path) -> str:
    """The layer a module of the package belongs to: its subpackage, or a top-level module's name."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every `workbench.…` import in `tree`, relative ones resolved."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            if name == "workbench":   # from workbench import store
                found += [(node.lineno, f"workbench.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("workbench.")]


def layering_problems(package: Path = PACKAGE) -> list[str]:
    """One line per import that points down the order, and per room not in the order."""
    problems = []
    for path in sorted(package.iterdir()):
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in ORDER:
            problems.append(f"{path}: subpackage {path.name!r} is not in the layer order {ORDER}")
    for path in sorted(package.rglob("*.py")):
        if path in EXEMPT:
            continue
        layer = _layer(path)
        if layer not in ORDER:
            problems.append(f"{path}: module {layer!r} is not in the layer order {ORDER}")
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if parts[-1] == "__init__":
            module += ".__init__"   # so that level-1 relative imports resolve to the package
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in _imported(tree, module):
            target = name.split(".")[1]
            if target in ORDER and ORDER.index(target) > ORDER.index(layer):
                problems.append(f"{path}:{line}: {layer} imports {name}, a later layer")
            elif target not in ORDER:
                problems.append(f"{path}:{line}: {layer} imports {name}, not in the layer order")
    return problems


def test_imports_point_up_the_layer_order():
    problems = layering_problems()
    assert not problems, "\n".join(problems)


def test_every_layer_in_the_order_is_a_name_not_a_typo():
    """Rooms named in the order exist, or are announced ones not built yet (events, analysis)."""
    rooms = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()
             if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert set(ORDER) - rooms <= {"events", "analysis"}
