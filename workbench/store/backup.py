"""Backup and restore: consistent snapshots of the pool, checked before they come back.

A snapshot is a copy of the pool file taken while this process holds the pool (so nobody
writes) right after a checkpoint, with a manifest beside it: checksum, row counts, the last
event. Restoring checks a snapshot against its manifest and its own contents first, then puts
the current pool aside (never overwriting it) and brings the snapshot in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from workbench.errors import PoolBusy, PoolError
from workbench.store import schema
from workbench.store import sql as store_sql
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, run, transaction

log = logging.getLogger(__name__)

DEFAULT_KEEP = 30
# The tables whose row counts a snapshot's manifest records and a restore checks.
COUNTED = ("records", "batches", "events", "membership", "edits", "labels",
           "link_constraints", "review_decisions", "conflicts", "notifications", "channels")


def backup_dir(pool: Pool) -> Path:
    """Where snapshots go unless told otherwise: `backups/` beside the pool file."""
    return pool.path.parent / "backups"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    present = {r[0] for r in run(con, store_sql.main_tables_sql()).fetchall()}
    return {t: int(run(con, store_sql.count_rows_sql(t)).fetchall()[0][0])
            for t in COUNTED if t in present}


def backup(pool: Pool, dest: str | Path | None = None, *, keep: int = DEFAULT_KEEP,
           actor: str | None = None, reason: str | None = None) -> Path:
    """Write a consistent snapshot of the pool and return its path.

    The newest `keep` snapshots of this pool in `dest` are kept, older ones removed.

    Example:
        >>> backup(Pool("data/leadpool.duckdb"))
        PosixPath('data/backups/leadpool-20...-...-....duckdb')
    """
    dest = Path(dest) if dest is not None else backup_dir(pool)
    dest.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    snapshot = dest / f"{pool.path.stem}-{stamp}.duckdb"
    with pool.connect() as con:
        with transaction(con):
            event_id = log_event(con, "backup", str(snapshot), actor=actor, reason=reason,
                                 payload={"keep": keep})
        # With the pool held by this connection nobody writes; after the checkpoint the
        # file on disk holds every committed row, so a copy of it is a consistent snapshot.
        run(con, store_sql.checkpoint_sql())
        counts = _counts(con)
        shutil.copy2(pool.path, snapshot)
    manifest = {
        "snapshot": snapshot.name, "pool": str(pool.path), "created_at": str(now()),
        "schema_version": schema.SCHEMA_VERSION, "last_event_id": event_id,
        "sha256": _sha256(snapshot), "counts": counts,
    }
    _manifest_path(snapshot).write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    check_snapshot(snapshot)
    _prune(dest, pool.path.stem, keep)
    log.info("backup written to %s", snapshot)
    return snapshot


def _manifest_path(snapshot: Path) -> Path:
    return snapshot.with_suffix(".json")


def _prune(dest: Path, stem: str, keep: int) -> None:
    snapshots = sorted(dest.glob(f"{stem}-*.duckdb"))
    for old in snapshots[: max(0, len(snapshots) - max(keep, 1))]:
        old.unlink()
        _manifest_path(old).unlink(missing_ok=True)
        log.info("removed old backup %s (keeping %d)", old, keep)


def list_backups(pool: Pool, dest: str | Path | None = None) -> pd.DataFrame:
    """The snapshots of this pool, newest first, with time, last event and record count."""
    dest = Path(dest) if dest is not None else backup_dir(pool)
    rows = []
    for snap in sorted(dest.glob(f"{pool.path.stem}-*.duckdb"), reverse=True):
        meta = {}
        if _manifest_path(snap).exists():
            meta = json.loads(_manifest_path(snap).read_text(encoding="utf-8"))
        rows.append({"snapshot": str(snap), "created_at": meta.get("created_at"),
                     "last_event_id": meta.get("last_event_id"),
                     "records": meta.get("counts", {}).get("records")})
    return pd.DataFrame(rows, columns=["snapshot", "created_at", "last_event_id", "records"])


def check_snapshot(snapshot: str | Path) -> dict:
    """Check a snapshot against its manifest and its own contents; return the manifest.

    Raises:
        PoolError: naming what does not match, when the snapshot cannot be trusted.
    """
    snapshot = Path(snapshot)
    if not snapshot.exists():
        raise PoolError(f"There is no snapshot at '{snapshot}'. List them with "
                        "`workbench backups`.")
    manifest_file = _manifest_path(snapshot)
    if not manifest_file.exists():
        raise PoolError(f"The snapshot '{snapshot}' has no manifest ({manifest_file.name}); it "
                        "cannot be checked. Pick a snapshot written by `workbench backup`.")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    if _sha256(snapshot) != manifest["sha256"]:
        raise PoolError(f"The snapshot '{snapshot}' does not match its checksum: it was "
                        "changed or damaged after the backup. Pick an older snapshot.")
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
    except duckdb.Error as err:
        raise PoolError(f"The snapshot '{snapshot}' cannot be opened: {err}. Pick an older "
                        "snapshot.") from err
    try:
        version = int(run(con, schema.schema_version_sql()).fetchall()[0][0])
        counts = _counts(con)
    finally:
        con.close()
    if version > schema.SCHEMA_VERSION:
        raise PoolError(f"The snapshot '{snapshot}' has schema version {version}, newer than "
                        "this workbench; upgrade the workbench to restore it.")
    if counts != manifest["counts"]:
        raise PoolError(f"The snapshot '{snapshot}' holds {counts}, its manifest says "
                        f"{manifest['counts']}. Pick an older snapshot.")
    return manifest


def restore(pool: Pool, snapshot: str | Path, *, actor: str | None = None,
            reason: str | None = None) -> Path:
    """Bring a snapshot back as the pool, keeping the current pool aside; return where.

    The snapshot is checked first; nothing changes if it fails. The current pool file is
    renamed to `<name>.before-restore-<time>.duckdb` beside it, never overwritten. A
    'restore' event is added to the restored pool's history.

    Example:
        >>> snapshot = backup(Pool())
        >>> restore(Pool(), snapshot, reason="data sabotaged on 5 May")
        PosixPath('data/leadpool.before-restore-20...-....duckdb')
    """
    snapshot = Path(snapshot)
    manifest = check_snapshot(snapshot)
    staging = pool.path.with_name(pool.path.name + ".restoring")
    shutil.copy2(snapshot, staging)
    aside = pool.path.with_name(
        f"{pool.path.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S-%f}{pool.path.suffix}")
    holder = None
    if pool.path.exists():
        try:
            holder = pool._open(read_only=False)  # holds the pool: no one writes meanwhile
            run(holder, store_sql.checkpoint_sql())
        except PoolBusy:
            staging.unlink(missing_ok=True)
            raise
        except (PoolError, duckdb.Error) as err:  # a damaged pool is exactly what restore is for
            log.warning("the current pool cannot be opened (%s); setting it aside as it is", err)
            holder = None
        os.replace(pool.path, aside)
        wal = pool.path.with_name(pool.path.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
    os.replace(staging, pool.path)
    if holder is not None:
        holder.close()
    with pool.transaction() as con:
        log_event(con, "restore", str(snapshot), actor=actor, reason=reason,
                  payload={"snapshot": str(snapshot), "set_aside": str(aside),
                           "snapshot_last_event": manifest["last_event_id"]})
    log.info("restored %s; the previous pool is at %s", snapshot, aside)
    return aside
