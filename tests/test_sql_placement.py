"""SQL lives in the `sql.py` beside the module that owns it, with parameters by name.

No module outside a `sql.py` hands a statement written in place to `.execute(`, `.sql(`,
`run(` or `run_many(`; no `sql.py` uses positional parameters (`?`, `$1`): DuckDB's `$name`
keeps a statement and the dict passed with it readable side by side.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import workbench

PACKAGE = Path(workbench.__file__).resolve().parent
STATEMENT = re.compile(r"\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|WITH|ALTER)\b",
                       re.IGNORECASE)
POSITIONAL = re.compile(r"\?|\$\d")
METHODS = {"execute", "executemany", "sql"}  # con.execute(statement), con.sql(statement)
RUNNERS = {"run", "run_many"}  # run(con, statement)


def _leading_text(node: ast.AST) -> str | None:
    """The text a string expression starts with: a literal, an f-string's first literal part,
    or the left end of a `+` chain; None for anything else (a call, a name)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first.value if isinstance(first, ast.Constant) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _leading_text(node.left)
    return None


def _statement_argument(call: ast.Call) -> ast.AST | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in METHODS:
        return call.args[0] if call.args else None
    name = func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else None
    if name in RUNNERS:
        return call.args[1] if len(call.args) > 1 else None
    return None


def statements_in_place(package: Path = PACKAGE) -> list[str]:
    """One line per statement written in place outside a `sql.py`."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "sql.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            argument = _statement_argument(node)
            text = _leading_text(argument) if argument is not None else None
            if text and STATEMENT.match(text):
                found.append(f"{path}:{node.lineno}: {text.strip()[:60]!r} belongs in a sql.py")
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, nodes) and n.body and isinstance(n.body[0], ast.Expr)}


def positional_parameters(package: Path = PACKAGE) -> list[str]:
    """One line per string in a `sql.py` (docstrings aside) that holds `?` or `$1`."""
    found = []
    for path in sorted(package.rglob("sql.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if id(node) in docs or not isinstance(node, ast.Constant) \
                    or not isinstance(node.value, str):
                continue
            match = POSITIONAL.search(node.value)
            if match:
                found.append(f"{path}:{node.lineno}: positional parameter {match.group()!r}; "
                             "use $name")
    return found


def test_no_statement_is_written_outside_a_sql_module():
    problems = statements_in_place()
    assert not problems, "\n".join(problems)


def test_sql_modules_pass_parameters_by_name():
    problems = positional_parameters()
    assert not problems, "\n".join(problems)


def test_the_checks_see_a_violation(tmp_path):
    """Each check finds what it is for, written the ways the package writes statements."""
    room = tmp_path / "room"
    room.mkdir()
    (room / "work.py").write_text(
        'def f(con, n):\n'
        '    con.execute("SELECT 1")\n'
        '    con.sql(f"DELETE FROM t WHERE n = {n}")\n'
        '    run(con, "CREATE TABLE t AS " + other())\n'
        '    run(con, helper_sql())\n', encoding="utf-8")
    (room / "sql.py").write_text(
        'def a_sql():\n    """Rows with id ? (not a parameter: a docstring)."""\n'
        '    return "SELECT * FROM t WHERE id = ?"\n\n\n'
        'def b_sql():\n    return "SELECT * FROM t WHERE id = $1"\n\n\n'
        'def c_sql():\n    return "SELECT * FROM t WHERE id = $id"\n', encoding="utf-8")
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in statements_in_place(tmp_path)] \
        == ["2", "3", "4"]
    assert [line.split(": ")[0].rsplit(":", 1)[1] for line in positional_parameters(tmp_path)] \
        == ["3", "7"]
