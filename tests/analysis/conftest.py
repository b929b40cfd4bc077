from __future__ import annotations

import pytest
from analysis_pool import build_pool, write_costs

from workbench.analysis.costs import import_costs


@pytest.fixture(scope="module")
def customer_pool(tmp_path_factory):
    """The pool of analysis_pool with its costs imported (read only for the tests using it)."""
    folder = tmp_path_factory.mktemp("customers")
    pool, ids = build_pool(folder)
    import_costs(pool, write_costs(folder / "成本.xlsx"))
    return pool, ids
