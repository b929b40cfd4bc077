"""Fixtures shared by the tests in several folders. Helpers that are plain functions and data
live in tests/support/."""

from __future__ import annotations

import shutil

import pytest

from workbench.store.pool import Pool


@pytest.fixture
def sample_pool(built_sample_pool, tmp_path) -> Pool:
    """A private copy of the linked sample pool (2,500 records, pairs and clusters, no merges)."""
    copy = tmp_path / "pool.duckdb"
    shutil.copy(built_sample_pool, copy)
    return Pool(copy)


@pytest.fixture(scope="module")
def customer_pool(tmp_path_factory):
    """The pool of `support.analysis_pool` with its channel costs imported (read only for the
    tests using it)."""
    from support.analysis_pool import build_pool, write_costs

    from workbench.analysis.costs import import_costs

    folder = tmp_path_factory.mktemp("customers")
    pool, ids = build_pool(folder)
    import_costs(pool, write_costs(folder / "成本.xlsx"))
    return pool, ids
