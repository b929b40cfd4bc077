"""Reliability: a merge killed mid-commit, a second writer, and (in test_backup) restores.

These run the real workbench in child processes and kill or block them for real.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workbench.errors import PoolBusy
from workbench.leads.merge import commit_merges, edit_lead
from workbench.store.pool import Pool
from workbench.testdata.pools import build_pool

RECORDS = 60_000

MERGE_CHILD = textwrap.dedent("""
    import sys, pathlib
    from workbench.leads.merge import commit_merges
    from workbench.store.pool import Pool
    pool_path, marker = sys.argv[1:3]
    pathlib.Path(marker).write_text("started")
    commit_merges(Pool(pool_path), 0.95, reason="killed test")
""")


def _state(path: Path) -> dict:
    with Pool(path).connect() as con:
        q = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
        return {
            "merge_events": q("SELECT count(*) FROM events WHERE kind = 'merge'"),
            "membership": q("SELECT count(*) FROM membership"),
            "conflicts": q("SELECT count(*) FROM conflicts"),
            "leads": q("SELECT count(DISTINCT lead_id) FROM current_membership"),
            "orphans": q("SELECT count(*) FROM membership WHERE event_id NOT IN "
                         "(SELECT event_id FROM events)"),
            "cached_leads": q("SELECT count(*) FROM leads") if q(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'leads'")
            else None,
        }


@pytest.mark.slow
def test_a_merge_killed_mid_commit_lands_whole_or_not_at_all(tmp_path):
    base = tmp_path / "base.duckdb"
    build_pool(base, RECORDS)
    before = _state(base)
    # a full run, to know what 'whole' looks like and how long the commit takes
    whole_path = tmp_path / "whole.duckdb"
    shutil.copy(base, whole_path)
    started = time.perf_counter()
    commit_merges(Pool(whole_path), 0.95)
    took = time.perf_counter() - started
    whole = _state(whole_path)
    assert whole["merge_events"] == 1 and whole["leads"] < before["leads"]
    outcomes = []
    for fraction in (0.2, 0.5, 0.8, 0.95):
        path = tmp_path / f"killed_{fraction}.duckdb"
        shutil.copy(base, path)
        marker = tmp_path / f"started_{fraction}"
        child = subprocess.Popen([sys.executable, "-c", MERGE_CHILD, str(path), str(marker)])
        while not marker.exists() and child.poll() is None:
            time.sleep(0.01)
        time.sleep(took * fraction)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        after = _state(path)  # opens: the pool is not corrupt
        assert after["orphans"] == 0
        if after["merge_events"] == 0:
            assert after == before, "a commit that did not land left nothing behind"
            outcomes.append("absent")
        else:
            assert after == whole, "a commit that landed landed whole"
            outcomes.append("whole")
        # and the pool works on: the merge can be committed now, with the same result
        commit_merges(Pool(path), 0.95)
        assert _state(path) == whole
    assert "absent" in outcomes, f"no kill landed inside the commit: {outcomes}"


HOLD_CHILD = textwrap.dedent("""
    import sys, time, pathlib
    import duckdb
    pool_path, marker, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    con = duckdb.connect(pool_path)  # holds the pool as a notebook kernel or an import would
    pathlib.Path(marker).write_text("holding")
    time.sleep(seconds)
    con.close()
""")


@pytest.mark.slow
def test_a_second_writer_gets_a_clear_message_then_a_retry_succeeds(tmp_path):
    from support.leadpool_cases import import_rows, lead_of

    path = tmp_path / "pool.duckdb"
    pool = Pool(path)
    import_rows(pool, tmp_path / "in", "展会", [{"name": "张伟", "phone": "13812345678"}])
    lead = lead_of(pool, 1)
    marker = tmp_path / "holding"
    child = subprocess.Popen([sys.executable, "-c", HOLD_CHILD, str(path), str(marker), "3"])
    try:
        while not marker.exists():
            time.sleep(0.01)
        with pytest.raises(PoolBusy) as err:
            edit_lead(Pool(path, lock_wait=0.5), lead, "title", "经理")
        message = str(err.value)
        assert "in use by another process" in message and f"process {child.pid}" in message
        assert "try again" in message
        # the same call with a longer wait retries until the holder lets go, and lands
        edit_lead(Pool(path, lock_wait=20), lead, "title", "经理")
    finally:
        child.wait()
    with pool.connect() as con:
        assert con.execute("SELECT title FROM leads WHERE lead_id = ?", [lead]).fetchall() == [
            ("经理",)]
        assert con.execute("SELECT count(*) FROM events WHERE kind = 'edit'").fetchall()[0][0] == 1


@pytest.mark.slow
def test_a_large_merge_sees_its_own_moves(tmp_path):
    """Over a row group (122,880 rows) of moves in one transaction, DuckDB 2.0 can miss the
    appended membership rows when it reads them back; the leads must still be right."""
    path = tmp_path / "big.duckdb"
    build_pool(path, 300_000)
    result = commit_merges(Pool(path), 0.95)
    assert result.records_moved > 130_000
    with Pool(path).connect() as con:
        q = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
        assert result.leads == q("SELECT count(DISTINCT lead_id) FROM current_membership")
        assert q("SELECT count(*) FROM leads") == result.leads
        assert q("SELECT sum(members) FROM leads") == 300_000
        # every record was a lead of its own: each owned record of a merged lead means one
        # message about its old lead (the one kept, or the one merged away) to its owner
        assert q("SELECT count(*) FROM notifications") == q(
            "SELECT count(*) FROM current_membership l JOIN records r USING (record_id) "
            "WHERE r.owner IS NOT NULL AND l.lead_id IN "
            "(SELECT lead_id FROM current_membership GROUP BY lead_id HAVING count(*) > 1)")
