"""Helpers shared by the review/merge/history tests: real imports, and linkage rows as data.

Records go in through the real importer (a CSV per channel). Until a test runs the real
linkage, the clusters and scored pairs a linkage run would write are given as test data.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from workbench.ingest.importer import import_file
from workbench.store.pool import Pool

HEADERS = {"name": "姓名", "phone": "手机号", "email": "邮箱", "wechat": "微信", "company": "公司",
           "title": "职位", "city": "城市", "owner": "负责人", "remark": "备注",
           "updated_at": "更新时间"}


def import_rows(pool: Pool, folder: Path, channel: str, rows: list[dict]) -> list[int]:
    """Import `rows` (field -> value) as one batch of `channel`; return their record ids."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{channel}_{len(list(folder.iterdir()))}.csv"
    fields = [f for f in HEADERS if any(f in r for r in rows)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([HEADERS[f] for f in fields])
        for row in rows:
            writer.writerow([row.get(f, "") for f in fields])
    result = import_file(pool, path, channel=channel)
    with pool.connect() as con:
        ids = con.execute("SELECT record_id FROM records WHERE batch_id = ? ORDER BY source_row",
                          [result.batch_id]).fetchall()
    return [int(r[0]) for r in ids]


def propose_clusters(pool: Pool, clusters: dict[int, list[int]], probability: float = 0.99,
                     run_id: int = 1, probabilities: dict[tuple[int, int], float] | None = None):
    """Write what a linkage run would: each cluster's records, and a scored pair for every two."""
    probabilities = probabilities or {}
    with pool.transaction() as con:
        for cluster_id, ids in clusters.items():
            for record_id in ids:
                con.execute("INSERT OR REPLACE INTO clusters VALUES (?, ?, ?)",
                            [record_id, cluster_id, run_id])
            for a, b in itertools.combinations(sorted(ids), 2):
                p = probabilities.get((a, b), probability)
                con.execute("INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, "
                            "match_probability) VALUES (?, ?, ?, ?, ?)", [run_id, a, b, 10.0, p])


def lead_of(pool: Pool, record_id: int) -> int | None:
    with pool.connect() as con:
        row = con.execute("SELECT lead_id FROM current_membership WHERE record_id = ?",
                          [record_id]).fetchall()
    return row[0][0] if row else None


def counts(pool: Pool, tables=("records", "events", "membership", "labels",
                               "link_constraints", "edits", "conflicts")) -> dict[str, int]:
    with pool.connect() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
