"""All SQL the workbench writes, as small functions ending in `_sql` that return a string.

Values go in as bound parameters (`?`); identifiers that come from users (Excel headers) go
through `quote_ident`. Statements run through `workbench.pool.run`, which adds the SQL to errors.
"""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB, whatever characters it holds.

    Example:
        >>> quote_ident("手机号")
        '"手机号"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def column_list(names) -> str:
    """A comma-separated list of quoted identifiers."""
    return ", ".join(quote_ident(n) for n in names)
