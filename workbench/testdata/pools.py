"""Synthetic pools written straight in SQL, for the benchmarks and the reliability tests.

The import path has its own tests and benchmark; these pools skip it to reach a million records
in seconds. See `build_pool`.
"""

from __future__ import annotations

from pathlib import Path

from workbench.leads.change import admit_batch
from workbench.store.log import log_event
from workbench.store.pool import Pool, run
from workbench.testdata import sql


def build_pool(path: str | Path, records: int, *, seed: int = 7) -> dict:
    """Write a synthetic pool of `records` records with proposed clusters at `path`.

    The first 60% of the records come in pairs of one person, the rest in threes; each person
    is one proposed cluster, and every pair inside a cluster is scored 0.99 (0.90 for one
    person in ten, below the merge threshold). Every record is admitted as its own lead by one
    import event. Returns counts of records, pairs, membership rows and clusters.

    Example:
        >>> build_pool("synthetic.duckdb", 10)
        {'records': 10, 'pairs': 6, 'membership': 10, 'clusters': 5}
    """
    pool = Pool(path)
    with pool.transaction() as con:
        run(con, sql.SET_SEED_SQL, {"seed": seed / 100})
        for name, priority, kind in sql.SYNTHETIC_CHANNELS:
            run(con, sql.INSERT_CHANNEL_SQL, {"name": name, "priority": priority, "kind": kind})
        run(con, sql.INSERT_BATCH_SQL, {"records": records})
        run(con, sql.PEOPLE_SQL, {"records": records})
        run(con, sql.RECORDS_SQL)
        run(con, sql.CLUSTERS_SQL)
        run(con, sql.PAIRS_SQL)
        event_id = log_event(con, "import", "batch:1", payload={"rows": records, "synthetic": True})
        admit_batch(con, 1, event_id)
        counts = run(con, sql.COUNTS_SQL).fetchall()[0]
    return dict(zip(("records", "pairs", "membership", "clusters"), counts, strict=True))
