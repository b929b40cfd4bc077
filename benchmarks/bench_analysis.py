"""Time the customer analysis on a pool of N golden leads: `python benchmarks/bench_analysis.py
[--rows N] [--pool PATH]` (default 1,000,000 leads in data/bench_analysis.duckdb).

Builds the pool once (generated leads with customer activity, one CSV per channel, imported,
plus the channels' monthly costs), then, in a fresh process, times each step of the analysis
and reports that process's peak memory (VmHWM). Records are not linked: every record is a
golden lead, so N records give N leads to analyse.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = {"name": "姓名", "phone": "手机号", "email": "邮箱", "wechat": "微信号", "company": "公司",
           "city": "城市", "updated_at": "更新时间", "registered_at": "注册时间", "orders": "订单数",
           "total_amount": "累计消费金额", "last_order_at": "最近消费时间", "status": "客户状态",
           "tags": "客户标签"}


def build(pool_path: Path, rows: int) -> None:
    from workbench.analysis.costs import import_costs
    from workbench.ingest.importer import import_file
    from workbench.store.pool import Pool
    from workbench.testdata.generate import (
        add_customer_activity,
        channel_costs,
        generate_leads,
        write_costs_file,
    )

    start = time.perf_counter()
    frame = add_customer_activity(generate_leads(rows, seed=7), seed=7)
    pool = Pool(pool_path)
    with tempfile.TemporaryDirectory() as out:
        for channel, part in frame.groupby("channel"):
            path = Path(out) / f"{channel}.csv"
            part[list(HEADERS)].rename(columns=HEADERS).to_csv(path, index=False)
            import_file(pool, path, channel=channel, progress=False)
        import_costs(pool, write_costs_file(channel_costs(frame, seed=7), Path(out) / "c.csv"))
    print(f"built a pool of {rows:,} records in {time.perf_counter() - start:.0f} s")


def measure(pool_path: Path) -> None:
    from workbench.analysis.customers import AnalysisSettings, customer_frame
    from workbench.analysis.effectiveness import channel_table
    from workbench.analysis.segments import segment_customers
    from workbench.analysis.tags import apply_tags
    from workbench.store.pool import Pool

    pool = Pool(pool_path)
    settings = AnalysisSettings(as_of="2025-06-30", k=4)

    def timed(label, func):
        wall = time.perf_counter()
        result = func()
        print(f"| {label} | {time.perf_counter() - wall:.1f} s |")
        return result

    with pool.connect(read_only=True) as con:
        frame = timed("customer_frame (golden leads, touches, RFM)",
                      lambda: customer_frame(con, settings))
        print(f"<!-- {len(frame):,} leads, {int(frame.is_customer.sum()):,} customers -->")
        timed("channel_table, first touch", lambda: channel_table(con, settings, customers=frame))
        timed("channel_table, shared, by month", lambda: channel_table(
            con, settings.with_(attribution="shared"), by_month=True, customers=frame))
        timed("segment_customers, k = 4", lambda: segment_customers(con, settings,
                                                                    customers=frame))
    timed("apply_tags (first run: every tag is new)", lambda: apply_tags(pool, settings))
    timed("apply_tags (again: nothing changed)", lambda: apply_tags(pool, settings))
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            print(f"peak memory: {line.split(':')[1].strip()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pool", type=Path, default=Path("data/bench_analysis.duckdb"))
    parser.add_argument("--measure-only", action="store_true")
    args = parser.parse_args()
    if args.measure_only:
        measure(args.pool)
        sys.exit(0)
    if not args.pool.exists():
        build(args.pool, args.rows)
    subprocess.run([sys.executable, __file__, "--pool", str(args.pool), "--measure-only"],
                   check=True)
