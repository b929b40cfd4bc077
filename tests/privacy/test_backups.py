"""Backups you can trust: damaged data fails the backup, a doctored snapshot is refused, and a
killed backup leaves nothing that is listed or counted. Real pools, real files, a real SIGKILL.
"""

import hashlib
import json
import os
import subprocess
import sys
import time

import duckdb
import pytest

from workbench.errors import PoolError
from workbench.ingest.importer import import_file
from workbench.store.backup import backup, check_snapshot, list_backups, restore
from workbench.store.pool import Pool

HEADER_BYTES = 3 * 4096  # DuckDB's file headers, then blocks of `block_size` bytes


@pytest.fixture
def pool(tmp_path):
    pool = Pool(tmp_path / "pool.duckdb")
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("姓名,手机,备注\n")
        for i in range(3000):
            handle.write(f"张{i},138{i:08d},第{i * 7919 % 100003}号展位\n")
    import_file(pool, path, channel="展会")
    return pool


def _records(pool):
    with pool.connect(read_only=True) as con:
        return con.execute("SELECT record_id, name, phone FROM records ORDER BY 1").fetchall()


def _damage_a_records_block(pool):
    """Overwrite 16 bytes inside a data block of `records`, as a failing disk would."""
    with pool.connect() as con:
        con.execute("CHECKPOINT")
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        block, offset = con.execute(
            "SELECT block_id, block_offset FROM pragma_storage_info('records') "
            "WHERE persistent AND block_id >= 0 AND column_name = 'name' LIMIT 1").fetchone()
    at = HEADER_BYTES + block * block_size + 8 + offset + 32
    with open(pool.path, "r+b") as handle:
        handle.seek(at)
        handle.write(b"\xde\xad\xbe\xef" * 4)


def test_a_pool_with_damaged_data_blocks_fails_its_backup(pool, tmp_path):
    dest = tmp_path / "bk"
    backup(pool, dest)
    _damage_a_records_block(pool)
    with pytest.raises(PoolError, match="'records'.*damaged"):
        backup(pool, dest)
    assert len(list_backups(pool, dest)) == 1  # only the good one from before
    assert sorted(p.name for p in dest.iterdir() if p.name.startswith(".")) == []


def test_a_snapshot_changed_with_its_manifest_rewritten_is_refused(pool, tmp_path):
    snapshot = backup(pool, tmp_path / "bk")
    before = _records(pool)
    # The attacker changes a phone in the snapshot, then rewrites every figure of the
    # manifest to match (checksum, counts, digests).
    manifest_path = snapshot.with_suffix(".json")
    con = duckdb.connect(str(snapshot))
    con.execute("UPDATE records SET phone = '+8613000000000' WHERE record_id = 1")
    con.execute("CHECKPOINT")
    con.close()
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    con = duckdb.connect(str(snapshot), read_only=True)
    for table in manifest["digests"]:
        rows, digest = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM "{table}" t').fetchone()
        manifest["digests"][table] = [rows, digest]
    con.close()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    check_snapshot(snapshot)  # consistent with itself, as a forger would make it ...
    with pytest.raises(PoolError, match="not the one this pool wrote"):
        restore(pool, snapshot)  # ... but not the snapshot this pool wrote
    assert _records(pool) == before
    assert not list(pool.path.parent.glob("*.before-restore-*"))


def test_a_changed_snapshot_fails_its_own_check(pool, tmp_path):
    snapshot = backup(pool, tmp_path / "bk")
    con = duckdb.connect(str(snapshot))
    con.execute("UPDATE records SET name = '李四' WHERE record_id = 2")
    con.close()
    with pytest.raises(PoolError, match="checksum"):
        restore(pool, snapshot)
    manifest_path = snapshot.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(snapshot.read_bytes()).hexdigest()  # the hash only
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(PoolError, match="differ from its manifest in: records"):
        check_snapshot(snapshot)


_KILLED_BACKUP = """
import os, shutil, signal, sys
from workbench.store.backup import backup
from workbench.store.pool import Pool

def copy_then_die(src, dst, **kw):  # the power cut: half the file copied, then the end
    with open(src, "rb") as s, open(dst, "wb") as d:
        d.write(s.read(os.path.getsize(src) // 2))
        d.flush()
        os.fsync(d.fileno())
    os.kill(os.getpid(), signal.SIGKILL)

shutil.copy2 = copy_then_die
backup(Pool(sys.argv[1]), sys.argv[2], keep=2)
"""


def test_a_killed_backup_leaves_nothing_listed_or_counted(pool, tmp_path):
    dest = tmp_path / "bk"
    first = backup(pool, dest)
    time.sleep(0.01)
    second = backup(pool, dest)
    done = subprocess.run([sys.executable, "-c", _KILLED_BACKUP, str(pool.path), str(dest)],
                          capture_output=True, text=True, timeout=120, env=os.environ)
    assert done.returncode == -9, done.stderr[-2000:]
    leftovers = [p for p in dest.iterdir() if p.name.startswith(".")]
    assert leftovers  # the killed backup did leave its half-copied file ...
    listed = list_backups(pool, dest)["snapshot"].tolist()
    assert listed == [str(second), str(first)]  # ... which is not listed
    for leftover in leftovers:  # an hour later
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    third = backup(pool, dest, keep=2)
    # --keep 2 counts finished snapshots only: the second and the third stay.
    assert list_backups(pool, dest)["snapshot"].tolist() == [str(third), str(second)]
    assert not [p for p in dest.iterdir() if p.name.startswith(".")]
    assert not first.exists()
    restore(pool, third)
    assert len(_records(pool)) == 3000
