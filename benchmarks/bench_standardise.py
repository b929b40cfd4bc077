"""Time standardise_frame and validate_frame on realistic synthetic leads.

Usage: python benchmarks/bench_standardise.py [ROWS] [SEED]
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from workbench.fields import STANDARD_FIELDS
from workbench.ingest.standardise import standardise_frame
from workbench.ingest.validate import validate_frame
from workbench.testdata.generate import generate_leads


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    started = time.perf_counter()
    leads = generate_leads(rows, seed=seed)
    raw = leads[[c for c in leads.columns if c in STANDARD_FIELDS]].astype(object)
    raw = raw.where(raw != "", None)
    print(f"generated {len(raw):,} rows in {time.perf_counter() - started:.1f} s")
    # CPU time beside wall time: on a shared machine the wall time also counts other people's work.
    started, cpu = time.perf_counter(), time.process_time()
    std = standardise_frame(raw)
    took = time.perf_counter() - started
    print(f"standardise_frame: {len(std):,} rows in {took:.1f} s ({len(std) / took:,.0f} rows/s), "
          f"CPU {time.process_time() - cpu:.1f} s")
    started, cpu = time.perf_counter(), time.process_time()
    frame, failures = validate_frame(std)
    took = time.perf_counter() - started
    print(f"validate_frame: {took:.1f} s, CPU {time.process_time() - cpu:.1f} s; "
          f"{int(frame['rejected'].sum()):,} rejected, {len(failures):,} failure rows")
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(failures.groupby(["field", "check"]).size().sort_values(ascending=False).head(20))


if __name__ == "__main__":
    main()
