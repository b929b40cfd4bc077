"""What the analysts' notebooks share: the pool they open, and headless runs kept on disk.

A notebook run with its default parameters on a fresh checkout must work without any other
step first, so `open_pool` fills an empty pool with the bundled sample (import every channel
file, link the whole pool). `run_kept` executes a notebook with papermill into
`data/runs/<timestamp>-<name>/`, so every scheduled or hand-started run leaves its executed
notebook (and the files it wrote) behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from workbench.store import sql
from workbench.store.pool import Pool, default_pool_path, run

log = logging.getLogger(__name__)

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"  # shipped in the package
RUNS_DIR = Path("data") / "runs"


def pool_records(pool: Pool) -> int:
    """How many records the pool holds (0 when it does not exist yet)."""
    if not pool.exists():
        return 0
    with pool.connect(read_only=True) as con:
        return int(run(con, sql.count_records_sql()).fetchone()[0])


def load_sample(pool: Pool, *, progress: bool = False) -> int:
    """Import the bundled sample's channel files and link the whole pool; returns the records.

    Files already imported are skipped, so calling it twice adds nothing.

    Example (not run here: linking trains a model, half a minute): on an empty pool,
    `load_sample(Pool("data/leadpool.duckdb"))` returns 2500.
    """
    from workbench.ingest.channels import set_channel
    from workbench.ingest.importer import import_file
    from workbench.linkage.link import dedupe_pool
    from workbench.sample import CHANNELS, sample_files
    for path, channel in sample_files():
        settings = CHANNELS[channel]
        set_channel(pool, channel, owner=settings.owner, priority=settings.priority,
                    kind=settings.kind)
        import_file(pool, path, channel=channel, progress=progress)
    dedupe_pool(pool, progress=progress)
    return pool_records(pool)


def open_pool(pool_path: str | os.PathLike | None = "", *, sample: bool = True) -> Pool:
    """The pool a notebook works on: `pool_path`, else `WORKBENCH_POOL`, else
    `data/leadpool.duckdb`; an empty pool gets the bundled sample when `sample` is true.

    Example:
        >>> pool = open_pool("")   # data/leadpool.duckdb, with the sample if it was empty
        >>> pool.path
        PosixPath('data/leadpool.duckdb')
    """
    pool = Pool(Path(pool_path) if pool_path else default_pool_path())
    if sample and pool_records(pool) == 0:
        log.info("the pool %s is empty: loading the bundled sample", pool.path)
        load_sample(pool)
    return pool


def find_notebook(name: str | os.PathLike) -> Path:
    """A notebook by path, or by name in the package's `notebooks/` ('review_clusters')."""
    from workbench.errors import InputError
    path = Path(name)
    if path.exists():
        return path
    for candidate in (NOTEBOOK_DIR / path.name, NOTEBOOK_DIR / f"{path.name}.ipynb"):
        if candidate.exists():
            return candidate
    known = ", ".join(sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")))
    raise InputError(f"There is no notebook '{name}'.",
                     fix=f"Give a path to an .ipynb file or one of: {known}.")


def parse_value(text: str):
    """A `-p name value` value as papermill's CLI reads it: int, float, bool, None, a JSON
    list or object, else text.

    Example:
        >>> parse_value("0.9"), parse_value("true"), parse_value('["a.csv"]'), parse_value("张伟")
        (0.9, True, ['a.csv'], '张伟')
    """
    import json

    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.strip()[:1] in ("[", "{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def run_kept(notebook: str | os.PathLike, parameters: dict | None = None, *,
             runs_dir: str | os.PathLike = RUNS_DIR, progress: bool = True):
    """Execute a notebook headlessly with papermill, kept under `runs_dir/<timestamp>-<name>/`.

    The notebook's `out_dir` parameter (when it declares one) points into that folder, so the
    files it writes sit beside the executed notebook and its HTML. Unknown parameters are
    refused, as in `report.run_notebook`.

    Returns:
        The `ReportFiles` of the run (out_dir, notebook, html).

    Example (not run here: a notebook run takes a quarter of a minute):
    `run_kept("review_clusters", {"auto_merge_threshold": 0.99}).out_dir` is a folder such as
    `data/runs/20261122-041502-review_clusters`.
    """
    from workbench.jobs.report import run_notebook
    path = find_notebook(notebook)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(runs_dir) / f"{stamp}-{path.stem}"
    n = 1
    while out.exists():
        n += 1
        out = Path(runs_dir) / f"{stamp}-{path.stem}-{n}"
    return run_notebook(path, out, parameters, progress=progress)
