"""Pytest setup shared by tests/ and the docstring examples in workbench/.

The linked sample pool takes half a minute to build (import the bundled sample, link the whole
pool), so it is built once per session; tests and examples each work on their own copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from _pytest.doctest import DoctestItem

from workbench.store.pool import Pool


@pytest.fixture(scope="session")
def built_sample_pool(tmp_path_factory) -> Path:
    """The linked sample pool's file (2,500 records, pairs and clusters, no merges). Read only."""
    from workbench.jobs.runs import load_sample
    path = tmp_path_factory.mktemp("sample_pool") / "pool.duckdb"
    load_sample(Pool(path))
    return path


@pytest.fixture(autouse=True)
def _doctest_globals(request, doctest_namespace):
    """Every docstring example runs in its own empty folder with `pd` and `Pool` at hand; an
    example that mentions a pool finds a copy of the sample pool at data/leadpool.duckdb (the
    default pool), also named `pool`."""
    if not isinstance(request.node, DoctestItem):
        return
    folder = request.getfixturevalue("tmp_path")
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("WORKBENCH_POOL", raising=False)
    doctest_namespace.update(pd=pd, Pool=Pool)
    source = "".join(example.source for example in request.node.dtest.examples)
    if "pool" in source.lower():
        (folder / "data").mkdir()
        shutil.copy(request.getfixturevalue("built_sample_pool"), folder / "data" / "leadpool.duckdb")
        doctest_namespace["pool"] = Pool(folder / "data" / "leadpool.duckdb")
    else:
        doctest_namespace.pop("pool", None)
