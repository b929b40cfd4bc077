"""Backup and restore: consistent snapshots, retention, checks, the current pool kept aside."""

from __future__ import annotations

import pytest
from support.leadpool_cases import counts, import_rows, propose_clusters

from workbench.errors import PoolError
from workbench.leads.decisions import Decision, decide
from workbench.leads.golden import golden_leads
from workbench.leads.merge import edit_lead
from workbench.leads.restore import undo
from workbench.store.backup import backup, check_snapshot, list_backups, restore
from workbench.store.pool import Pool

PEOPLE = [
    {"name": "张伟", "phone": "13812345678", "owner": "李销售"},
    {"name": "张伟", "phone": "13812345678", "email": "zw@a.com"},
    {"name": "王芳", "phone": "13900001111"},
]


@pytest.fixture()
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    import_rows(pool, tmp_path / "in", "展会", PEOPLE)
    propose_clusters(pool, {10: [1, 2]})
    decide(pool, Decision(10, (1, 2), "merge"))
    return pool


def _state(pool):
    with pool.connect() as con:
        leads = golden_leads(con).to_json(orient="records", force_ascii=False)
        events = con.execute("SELECT event_id, kind, target, actor, payload, undoes FROM events "
                             "ORDER BY event_id").fetchall()
    return leads, events


def test_restore_gives_exactly_the_leads_and_history_of_the_backup(pool, tmp_path):
    snapshot = backup(pool, tmp_path / "bk")
    leads_then, events_then = _state(pool)
    # the data disaster: a departing employee breaks merges and rewrites fields
    lead = golden_leads_ids(pool)[0]
    edit_lead(pool, lead, "name", "删除我", actor="离职员工")
    undo(pool, last=True, actor="离职员工")
    undo(pool, last=True, actor="离职员工")
    import_rows(pool, tmp_path / "in2", "垃圾", [{"name": "x", "phone": "13000000000"}])
    assert _state(pool) != (leads_then, events_then)
    aside = restore(pool, snapshot, reason="sabotage")
    leads_now, events_now = _state(pool)
    assert leads_now == leads_then
    assert events_now[:-1] == events_then and events_now[-1][1] == "restore"
    # the pool that was replaced is kept, whole, beside the restored one
    assert aside.exists() and Pool(aside).path != pool.path
    assert counts(Pool(aside))["records"] == counts(pool)["records"] + 1


def golden_leads_ids(pool):
    with pool.connect() as con:
        return list(golden_leads(con).lead_id)


def test_retention_keeps_the_newest_snapshots(pool, tmp_path):
    made = [backup(pool, tmp_path / "bk", keep=2) for _ in range(4)]
    listed = list_backups(pool, tmp_path / "bk")
    assert list(listed.snapshot) == [str(made[3]), str(made[2])]
    assert not made[0].exists() and not made[0].with_suffix(".json").exists()
    assert listed.records.tolist() == [3, 3]


def test_a_damaged_snapshot_is_refused_and_nothing_changes(pool, tmp_path):
    snapshot = backup(pool, tmp_path / "bk")
    assert check_snapshot(snapshot)["counts"]["records"] == 3
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(data))
    before = _state(pool)
    with pytest.raises(PoolError, match="checksum"):
        restore(pool, snapshot)
    assert _state(pool) == before
    assert sorted(p.name for p in pool.path.parent.glob("pool*")) == ["pool.duckdb"]
    with pytest.raises(PoolError, match="no snapshot"):
        restore(pool, tmp_path / "bk" / "missing.duckdb")


def test_restore_replaces_a_pool_that_cannot_even_be_opened(pool, tmp_path):
    snapshot = backup(pool, tmp_path / "bk")
    leads_then, _ = _state(pool)
    pool.path.write_bytes(b"this is not a database any more")
    restore(pool, snapshot)
    assert _state(pool)[0] == leads_then
