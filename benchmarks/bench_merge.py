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


def build_pool(path: str | Path, records: int, *, seed: int = 7) -> dict:
    """Write a synthetic pool of `records` records with proposed clusters at `path`.

    The first 60% of the records come in pairs of one person, the rest in threes; each person
    is one proposed cluster, and every pair inside a cluster is scored 0.99 (0.90 for one
    person in ten, below the merge threshold). Returns counts of records, pairs, membership
    rows and clusters.
    """
    from workbench.leads.change import admit_batch
    from workbench.store.log import log_event
    from workbench.store.pool import Pool
    pool = Pool(path)
    with pool.transaction() as con:
        con.execute("SELECT setseed(?)", [seed / 100])
        for name, priority, kind in (("官网表单", 90, "own"), ("展会", 70, "own"),
                                     ("第三方平台", 40, "third_party")):
            con.execute("INSERT INTO channels (name, priority, kind, owner, status, created_at) "
                        "VALUES (?, ?, ?, '渠道经理', 'active', now())", [name, priority, kind])
        con.execute("INSERT INTO batches (batch_id, started_at, channel, status, rows) "
                    "VALUES (1, now(), '展会', 'success', ?)", [records])
        # person of record i: the first 60% of records come in pairs, the rest in threes
        con.execute("""
CREATE TEMP TABLE _people AS
SELECT i AS record_id,
       CASE WHEN i <= $1 * 0.6 THEN (i - 1) // 2 ELSE 1000000000 + (i - 1) // 3 END AS person
FROM range(1, $1 + 1) t(i)""", [records])
        con.execute("""
INSERT INTO records (record_id, batch_id, entered_at, name, phone, phone_type, email, company,
                     city, owner, channel, updated_at, name_status, phone_status, email_status,
                     company_status, city_status, updated_at_status, reachable, rejected)
SELECT record_id, 1, now()::TIMESTAMP,
       ['张', '王', '李', '刘', '陈'][1 + person % 5] || ['伟', '芳', '娜', '敏', '静', '磊'][1 + (person // 5) % 6]
           || CASE WHEN random() < 0.2 THEN '小' ELSE '' END,
       '+86138' || lpad((person % 100000000)::VARCHAR, 8, '0'), 'mobile',
       CASE WHEN random() < 0.5 THEN 'u' || person || '@' || ['qq.com', '163.com'][1 + record_id % 2] END,
       ['华为技术', '阿里巴巴', '腾讯科技', '字节跳动'][1 + person % 4],
       ['北京市', '上海市', '杭州市'][1 + record_id % 3],
       CASE WHEN person % 4 = 0 THEN '销售' || (person % 50) END,
       ['官网表单', '展会', '第三方平台'][1 + record_id % 3],
       strftime(TIMESTAMP '2025-01-01' + to_seconds((random() * 3.0e7)::BIGINT), '%Y-%m-%d %H:%M:%S'),
       'ok', 'ok', 'ok', 'ok', 'ok', 'ok', true, false
FROM _people""")
        con.execute("INSERT INTO clusters SELECT record_id, person, 1 FROM _people")
        con.execute("""
INSERT INTO pairs (run_id, record_id_l, record_id_r, match_weight, match_probability)
SELECT 1, a.record_id, b.record_id, 12.0, CASE WHEN a.person % 10 = 3 THEN 0.90 ELSE 0.99 END
FROM _people a JOIN _people b ON a.person = b.person AND a.record_id < b.record_id""")
        event_id = log_event(con, "import", "batch:1", payload={"rows": records, "synthetic": True})
        admit_batch(con, 1, event_id)
        out = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
               for t in ("records", "pairs", "membership")}
        out["clusters"] = con.execute("SELECT count(DISTINCT cluster_id) FROM clusters"
                                      ).fetchall()[0][0]
    return out


MEASURE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
phase, path = sys.argv[1:3]
started = time.perf_counter()
if phase == "build":
    from bench_merge import build_pool
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
