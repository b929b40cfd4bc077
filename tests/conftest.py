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
