"""Review benchmark: how fast the review screen answers a specialist, on the bundled sample.

    .venv/bin/python benchmarks/bench_review.py [--decisions 40]

Loads the sample into a fresh pool (import every channel file, link the whole pool), opens the
review screen (`ReviewWidget`: queue ordered by usefulness, first cluster side by side, pair
explanation, golden-lead preview), then decides `--decisions` clusters through the key box as
a specialist would (m, n, k in turn). Each decision stores itself and shows the next cluster;
its wall time is the time the specialist waits.

Baseline, in the same run: the same decisions stored straight through the package
(`workbench.leads.decisions.decide`, no screen) on a copy of the same pool. The ratio is what the screen
adds to storing a decision (showing the next cluster, its pairs, its golden-lead preview).
Figures go to stdout; keep them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from workbench import Pool
from workbench.jobs.runs import load_sample
from workbench.leads.decisions import Decision, decide
from workbench.leads.review import review_queue
from workbench.widgets.review_widget import KEYS, ReviewWidget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pool = Pool(Path(tmp) / "pool.duckdb")
        started = time.perf_counter()
        records = load_sample(pool)
        print(f"sample loaded and linked: {records} records, "
              f"{time.perf_counter() - started:.1f} s")
        copy = Path(tmp) / "baseline.duckdb"
        shutil.copy(pool.path, copy)
        started = time.perf_counter()
        review = ReviewWidget(pool)
        print(f"review screen opened: {len(review.queue)} clusters pending, "
              f"{time.perf_counter() - started:.2f} s")
        waits = []
        for i in range(min(args.decisions, len(review.queue))):
            started = time.perf_counter()
            review.keys.widget.value = "mnk"[i % 3]
            waits.append(time.perf_counter() - started)
        if not waits:
            return
        per_hour = 3600 / statistics.mean(waits)
        print(f"{len(waits)} decisions by key: mean {statistics.mean(waits):.2f} s, median "
              f"{statistics.median(waits):.2f} s, max {max(waits):.2f} s per decision "
              f"(the screen alone would allow about {per_hour:,.0f} decisions an hour)")
        baseline = Pool(copy)
        stored = []
        for i, row in enumerate(review_queue(baseline).head(len(waits)).itertuples()):
            ids = tuple(int(x) for x in row.signature.split(","))
            started = time.perf_counter()
            decide(baseline, Decision(int(row.cluster_id), ids, KEYS["mnk"[i % 3]]))
            stored.append(time.perf_counter() - started)
        print(f"baseline, decide() alone: mean {statistics.mean(stored):.2f} s per decision; "
              f"screen / baseline = {statistics.mean(waits) / statistics.mean(stored):.2f}")


if __name__ == "__main__":
    main()
