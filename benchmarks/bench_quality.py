"""Quality benchmark: scoring a batch, measuring the pool, and writing the full report.

    .venv/bin/python benchmarks/bench_quality.py [--rows 100000] [--batches-per-channel 4]

Generated leads (workbench.testdata.generate, with ground truth) are imported per channel in several
CSV batches into a fresh pool; clusters are written from the ground truth (the people behind
the records), as linkage would, so duplicate rate, new vs known and the overlap matrix are
computed at full size without timing Splink here. Then, each timed:

- `after_batch` on the largest batch (what every import pays inside its transaction);
- `quality_report(pool)`: every measure over the whole pool;
- `write_quality_files`: the masked .xlsx workbook and figures.json;
- `write_report`: the notebook through papermill, converted to HTML (kernel start included).

Figures go to stdout; keep them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import pandas as pd

from workbench.ingest.channels import after_batch
from workbench.ingest.importer import import_file
from workbench.jobs.report import write_report
from workbench.quality.measures import quality_report, write_quality_files
from workbench.store.pool import Pool
from workbench.testdata.generate import generate_leads


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"{label:<38} {time.perf_counter() - started:8.2f} s")
    return result


def build_pool(work: Path, rows: int, per_channel: int) -> Pool:
    frame = generate_leads(rows, seed=11)
    pool = Pool(work / "pool.duckdb")
    sources = []
    started = time.perf_counter()
    for channel, part in frame.groupby("channel", sort=True):
        for i, chunk in enumerate(_split(part, per_channel)):
            path = work / f"{channel}-{i}.csv"
            chunk.drop(columns=["channel"]).to_csv(path, index=False)
            import_file(pool, path, channel=channel)
            sources.append(pd.DataFrame({"source_file": str(path),
                                         "source_row": range(2, len(chunk) + 2),
                                         "entity_id": chunk["entity_id"].to_numpy()}))
    print(f"{'import (setup, not measured here)':<38} {time.perf_counter() - started:8.2f} s")
    truth = pd.concat(sources, ignore_index=True)
    with pool.transaction() as con:
        con.register("truth", truth)
        con.execute("INSERT INTO linkage_runs (run_id, started_at, kind) VALUES (1, now(), 'full')")
        con.execute("""
            INSERT INTO clusters
            SELECT r.record_id, dense_rank() OVER (ORDER BY t.entity_id), 1
            FROM records r JOIN truth t USING (source_file, source_row)""")
    return pool


def _split(frame: pd.DataFrame, parts: int):
    size = -(-len(frame) // parts)
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batches-per-channel", type=int, default=4)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{args.rows:,} rows")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pool = build_pool(work, args.rows, args.batches_per_channel)
        with pool.connect() as con:
            batch_id, size = con.execute(
                "SELECT batch_id, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ).fetchone()
        with pool.transaction() as con:
            timed(f"after_batch ({size:,}-row batch)", lambda: after_batch(con, batch_id))
        report = timed("quality_report (whole pool)", lambda: quality_report(pool))
        timed("write_quality_files (masked xlsx)",
              lambda: write_quality_files(report, work / "files"))
        files = timed("write_report (papermill + HTML)",
                      lambda: write_report(pool, work / "report", progress=False))
        summary = report.summary
        print(f"batches {summary['batches']}, records {summary['records']:,}, "
              f"problem rows {len(report.problems):,}, score {summary['score']:.1%}, "
              f"duplicate rate {summary['duplicate_rate']:.1%}, "
              f"reachability {summary['reachability']:.1%}")
        print(f"html {files.html.stat().st_size / 1e6:.1f} MB, "
              f"xlsx {files.workbook.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
