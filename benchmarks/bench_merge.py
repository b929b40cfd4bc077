"""Merge benchmark: commit the merges of a 1M-record pool, then rebuild every golden lead.

    .venv/bin/python benchmarks/bench_merge.py [--records 1000000]

The pool is built synthetically in SQL (the import path has its own benchmark): `--records`
records of people who arrive two or three times from three channels with differing names,
e-mails and update times, one linkage run's clusters and scored pairs (about 10% of the
clusters below the merge threshold), and the import event that makes every record a lead.
Each phase runs in a fresh process so that its peak memory (max RSS) is its own:

- build: records, clusters, pairs, admission of every record as its own lead;
- merge: `commit_merges(pool, 0.95)`: safe clusters into one lead each, conflicts logged,
  golden leads refreshed, owners notified, all as one event in one transaction;
- rebuild: `rebuild_leads(pool)`: every golden lead again from membership and records;
- undo: `undo(pool, last=True)`: the merge taken back as a new event (every record back in
  its own lead, the golden leads refreshed).

Wall time suffers when others share the machine, so CPU time (user + system, all threads) is
given beside it. Figures go to stdout; keep them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
phase, path = sys.argv[1:3]
started = time.perf_counter()
if phase == "build":
    from workbench.testdata.pools import build_pool
    out = build_pool(path, int(sys.argv[4]))
else:
    from workbench.store.pool import Pool
    from workbench.leads import merge
    if phase == "merge":
        done = merge.commit_merges(Pool(path), 0.95, reason="benchmark")
        out = {"event_id": done.event_id, "clusters": done.clusters,
               "records_moved": done.records_moved, "leads": done.leads}
    elif phase == "undo":
        from workbench.leads import restore as history
        event = history.undo(Pool(path), last=True, reason="benchmark")
        with Pool(path).connect() as con:
            leads = con.execute("SELECT count(*) FROM leads").fetchall()[0][0]
        out = {"event_id": event.event_id, "leads": leads}
    else:
        from workbench.leads.golden import rebuild_leads
        out = {"leads": rebuild_leads(Pool(path))}
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"phase": phase, "seconds": round(seconds, 2),
                  "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
                  "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  **out}))
"""


def measure(phase: str, path: Path, *extra: str) -> dict:
    here = str(Path(__file__).resolve().parent)
    done = subprocess.run([sys.executable, "-c", MEASURE, phase, str(path), here, *extra],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"# {platform.platform()}, {os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        phases = (("build", [str(args.records)]), ("merge", []), ("rebuild", []), ("undo", []))
        for phase, extra in phases:
            print(json.dumps(measure(phase, path, *extra), ensure_ascii=False), flush=True)
        print(f"# pool file {path.stat().st_size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
