"""The sample pool the widget and notebook tests start from, built once per test session.

Building it (import the bundled sample, link the whole pool) takes half a minute, so the first
test that asks builds it under pytest's session temp folder and every test gets its own copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench import Pool
from workbench.jobs.runs import load_sample


@pytest.fixture(name="sample_pool")
def sample_pool_fixture(tmp_path_factory, tmp_path) -> Pool:
    """A private copy of the linked sample pool (2,500 records, pairs and clusters, no merges)."""
    built = tmp_path_factory.getbasetemp() / "sample_pool" / "pool.duckdb"
    if not built.exists():
        built.parent.mkdir(parents=True, exist_ok=True)
        load_sample(Pool(built))
    copy = Path(tmp_path) / "pool.duckdb"
    shutil.copy(built, copy)
    return Pool(copy)
