"""A small pool of customers with known orders, channels and costs, built by real imports.

Five people; P1 came from three channels (抖音 twice: its running total grew from 2 orders
/ 3000 元 to 3 orders / 4000 元), P4 from two. Every figure of the tests is computed by hand
from the table below.

| person | channel: registered, orders, total, last order, status                    |
|--------|----------------------------------------------------------------------------|
| P1     | 抖音 01-05 2/3000/03-01, 抖音 01-05 3/4000/05-01, 官网 02-10 1/2500/06-01, 展会 03-01 跟进中 |
| P2     | 抖音 01-20 1/800/01-25 已转化                                               |
| P3     | 官网 01-15 新线索                                                          |
| P4     | 官网 02-03 2/1200/04-01, 抖音 02-20 跟进中                                 |
| P5     | 展会 03-10 流失                                                            |

Costs (元): 抖音 2026-01 6000, 2026-02 3000; 官网 2026-01 1000, 2026-02 2000; 展会 2026-03 5000.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import openpyxl

from workbench.ingest.importer import import_file
from workbench.leads.decisions import Decision, apply_decisions
from workbench.store.pool import Pool

AS_OF = "2026-06-30"
HEADERS = ["客户姓名", "手机号", "注册时间", "订单数", "累计消费金额", "最近消费时间", "客户状态",
           "客户标签", "更新时间"]
# (person, channel, registered, orders, total, last order, status, tags, updated)
ROWS = [
    ("P1", "抖音", "2026-01-05", "2", "3000", "2026-03-01", "已转化", "直播粉", "2026-03-01"),
    ("P1", "抖音", "2026-01-05", "3", "4,000元", "2026-05-01", "成交", "直播粉", "2026-05-01"),
    ("P1", "官网", "2026-02-10", "1", "2500", "2026-06-01", "已转化", "", "2026-06-01"),
    ("P1", "展会", "2026-03-01", "", "", "", "跟进中", "展会VIP", "2026-03-01"),
    ("P2", "抖音", "2026-01-20", "1", "800", "2026-01-25", "已转化", "", "2026-01-25"),
    ("P3", "官网", "2026-01-15", "", "", "", "新线索", "", "2026-01-15"),
    ("P4", "官网", "2026-02-03", "2次", "1200", "2026-04-01", "已转化", "", "2026-04-01"),
    ("P4", "抖音", "2026-02-20", "", "", "", "跟进中", "", "2026-02-20"),
    ("P5", "展会", "2026-03-10", "", "", "", "流失", "", "2026-03-10"),
]
PHONES = {"P1": "13800000001", "P2": "13800000002", "P3": "13800000003", "P4": "13800000004",
          "P5": "13800000005"}
NAMES = {"P1": "张伟", "P2": "李娜", "P3": "王芳", "P4": "刘洋", "P5": "陈静"}
COSTS = [("抖音", "2026-01", 6000), ("抖音", "2026-02", 3000), ("官网", "2026年1月", 1000),
         ("官网", "2026/2", 2000), ("展会", "2026-03", 5000)]


def write_csv(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for person, _channel, *values in rows:
            writer.writerow([NAMES[person], PHONES[person], *values])
    return path


def write_costs(path: Path, rows=COSTS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成本"
    sheet.append(["渠道名称", "月份", "花费(元)"])
    for row in rows:
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def merge_people(pool: Pool, ids_by_person: dict[str, list[int]]) -> None:
    """What a reviewer does: each person's records become one lead."""
    clusters = {100 + i: ids for i, ids in enumerate(ids_by_person.values()) if len(ids) > 1}
    with pool.transaction() as con:
        for cluster_id, ids in clusters.items():
            for record_id in ids:
                con.execute("INSERT OR REPLACE INTO clusters VALUES (?, ?, 1)",
                            [record_id, cluster_id])
            for a, b in itertools.combinations(sorted(ids), 2):
                con.execute("INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, "
                            "match_probability) VALUES (1, ?, ?, 10.0, 0.99)", [a, b])
        apply_decisions(con, [Decision(c, tuple(ids), "merge") for c, ids in clusters.items()])


def build_pool(folder: Path, rows=ROWS) -> tuple[Pool, dict[str, list[int]]]:
    """Import every channel's file, merge each person's records; returns the record ids."""
    pool = Pool(folder / "pool.duckdb")
    ids: dict[str, list[int]] = {}
    for channel in dict.fromkeys(r[1] for r in rows):
        mine = [r for r in rows if r[1] == channel]
        result = import_file(pool, write_csv(folder / f"{channel}.csv", mine), channel=channel)
        with pool.connect() as con:
            got = con.execute("SELECT record_id FROM records WHERE batch_id = ? "
                              "ORDER BY source_row", [result.batch_id]).fetchall()
        for row, (record_id,) in zip(mine, got, strict=True):
            ids.setdefault(row[0], []).append(int(record_id))
    merge_people(pool, ids)
    return pool, ids


def lead_of(pool: Pool, person_ids: list[int]) -> int:
    with pool.connect() as con:
        return int(con.execute("SELECT lead_id FROM current_membership WHERE record_id = ?",
                               [person_ids[0]]).fetchall()[0][0])
