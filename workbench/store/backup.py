"""Backup and restore: consistent snapshots of the pool, checked before they come back.

A snapshot is a copy of the pool file taken while this process holds the pool (so nobody
writes) right after a checkpoint, with a manifest beside it: checksum, row counts, the last
event, and a digest of every table's contents. Restoring checks a snapshot against its manifest
and its own contents first, then puts the current pool aside (never overwriting it) and brings
the snapshot in.

Trust: every table of the pool is read through DuckDB before a backup is kept (so damaged data
blocks fail the backup instead of being copied), the copy is read again and must give the same
digests, and the snapshot is written under a temporary name and renamed only when checked, so
a killed backup leaves nothing that is listed or counted. The pool remembers the checksum of
each snapshot it wrote; a restore into that pool refuses a snapshot whose manifest says
otherwise (a snapshot changed and its manifest rewritten to match).
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

from workbench.errors import PoolBusy, PoolError, WorkbenchError
from workbench.store import schema
from workbench.store import sql as store_sql
from workbench.store.log import log_event, now
from workbench.store.pool import Pool, run, transaction

log = logging.getLogger(__name__)

DEFAULT_KEEP = 30
# The tables whose row counts a snapshot's manifest records and a restore checks.
COUNTED = ("records", "batches", "events", "membership", "edits", "labels",
           "link_constraints", "review_decisions", "conflicts", "notifications", "channels")


PARTIAL = ".partial"
_SNAPSHOT_SUMS_KEY = "backup_sha256:"


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


def _digests(con: duckdb.DuckDBPyConnection, where: Path) -> dict[str, list]:
    """[rows, digest] of every stored table; PoolError when DuckDB cannot read one whole."""
    digests = {}
    for (table,) in run(con, store_sql.base_tables_sql()).fetchall():
        try:
            rows, digest = run(con, store_sql.content_digest_sql(table)).fetchall()[0]
        except WorkbenchError as err:
            raise PoolError(
                f"The table '{table}' of '{where}' cannot be read whole ({err.__cause__ or err}):"
                " its data is damaged. No backup was kept. Restore the newest good snapshot "
                "(`workbench backups`, then `workbench restore SNAPSHOT`).") from err
        digests[table] = [int(rows), digest]
    return digests


def backup(pool: Pool, dest: str | Path | None = None, *, keep: int = DEFAULT_KEEP,
           actor: str | None = None, reason: str | None = None) -> Path:
    """Write a consistent snapshot of the pool and return its path.

    The newest `keep` snapshots of this pool in `dest` are kept, older ones removed. Every
    table is read whole first: a pool with damaged data fails its backup (PoolError) rather
    than giving a snapshot that restores the damage.

    Example:
        >>> backup(Pool("data/leadpool.duckdb"))
        PosixPath('data/backups/leadpool-20...-...-....duckdb')
    """
    dest = Path(dest) if dest is not None else backup_dir(pool)
    dest.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    snapshot = dest / f"{pool.path.stem}-{stamp}.duckdb"
    # Written under names that neither `list_backups` nor `_prune` see, renamed when checked.
    partial = dest / f".{snapshot.name}{PARTIAL}"
    _remove_partials(dest, pool.path.stem)
    try:
        with pool.connect() as con:
            with transaction(con):
                event_id = log_event(con, "backup", str(snapshot), actor=actor, reason=reason,
                                     payload={"keep": keep})
            # With the pool held by this connection nobody writes; after the checkpoint the
            # file on disk holds every committed row, so a copy of it is a consistent snapshot.
            run(con, store_sql.checkpoint_sql())
            counts = _counts(con)
            digests = _digests(con, pool.path)
            shutil.copy2(pool.path, partial)
        manifest = {
            "snapshot": snapshot.name, "pool": str(pool.path), "created_at": str(now()),
            "schema_version": schema.SCHEMA_VERSION, "last_event_id": event_id,
            "sha256": _sha256(partial), "counts": counts, "duckdb_version": duckdb.__version__,
            "digests": digests,
        }
        partial_manifest = _manifest_path(partial)
        partial_manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
        check_snapshot(partial)
        with pool.connect() as con:
            run(con, store_sql.set_meta_value_sql(),
                {"key": _SNAPSHOT_SUMS_KEY + snapshot.name, "value": manifest["sha256"]})
        os.replace(partial_manifest, _manifest_path(snapshot))
        os.replace(partial, snapshot)
    finally:
        partial.unlink(missing_ok=True)
        _manifest_path(partial).unlink(missing_ok=True)
    _prune(dest, pool.path.stem, keep)
    log.info("backup written to %s", snapshot)
    return snapshot


def _remove_partials(dest: Path, stem: str, older_than: float = 600.0) -> None:
    """Remove what killed backups left (a backup running now is younger than `older_than`)."""
    import time

    for leftover in dest.glob(f".{stem}-*{PARTIAL}*"):
        try:
            if time.time() - leftover.stat().st_mtime > older_than:
                leftover.unlink()
        except OSError:
            pass


def _manifest_path(snapshot: Path) -> Path:
    return snapshot.with_suffix(".json")


def _snapshots(dest: Path, stem: str) -> list[Path]:
    """The finished snapshots of the pool `stem` in `dest`, oldest first (with a manifest)."""
    return [s for s in sorted(dest.glob(f"{stem}-*.duckdb")) if _manifest_path(s).exists()]


def _prune(dest: Path, stem: str, keep: int) -> None:
    snapshots = _snapshots(dest, stem)
    for old in snapshots[: max(0, len(snapshots) - max(keep, 1))]:
        old.unlink()
        _manifest_path(old).unlink(missing_ok=True)
        log.info("removed old backup %s (keeping %d)", old, keep)


def list_backups(pool: Pool, dest: str | Path | None = None) -> pd.DataFrame:
    """The snapshots of this pool, newest first, with time, last event and record count."""
    dest = Path(dest) if dest is not None else backup_dir(pool)
    rows = []
    for snap in reversed(_snapshots(dest, pool.path.stem)):
        try:
            meta = json.loads(_manifest_path(snap).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
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
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        manifest["sha256"], manifest["counts"]  # noqa: B018 - both must be there
    except (ValueError, KeyError, TypeError) as err:
        raise PoolError(f"The manifest of the snapshot '{snapshot}' is damaged ({err}). Pick "
                        "another snapshot.") from err
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
        digests = _digests(con, snapshot)
    except WorkbenchError as err:
        raise PoolError(f"The snapshot '{snapshot}' cannot be read whole: {err}") from err
    finally:
        con.close()
    if version > schema.SCHEMA_VERSION:
        raise PoolError(f"The snapshot '{snapshot}' has schema version {version}, newer than "
                        "this workbench; upgrade the workbench to restore it.")
    if counts != manifest["counts"]:
        raise PoolError(f"The snapshot '{snapshot}' holds {counts}, its manifest says "
                        f"{manifest['counts']}. Pick an older snapshot.")
    # Digests are DuckDB's hash: comparable when the same DuckDB wrote the manifest.
    if manifest.get("duckdb_version") == duckdb.__version__ and "digests" in manifest:
        changed = sorted(t for t in set(digests) | set(manifest["digests"])
                         if digests.get(t) != manifest["digests"].get(t))
        if changed:
            raise PoolError(f"The contents of the snapshot '{snapshot}' differ from its "
                            f"manifest in: {', '.join(changed)}. Pick an older snapshot.")
    return manifest


def _check_known_to_pool(pool: Pool, snapshot: Path, manifest: dict) -> None:
    """Refuse a snapshot whose checksum differs from the one the pool recorded writing it."""
    if not pool.path.exists():
        return
    try:
        con = duckdb.connect(str(pool.path), read_only=True)
    except duckdb.Error:
        return  # the pool is damaged or held: restore is for exactly that; the checks above hold
    try:
        row = con.execute(store_sql.meta_value_sql(),
                          {"key": _SNAPSHOT_SUMS_KEY + snapshot.name}).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row and row[0] != manifest["sha256"]:
        raise PoolError(
            f"The snapshot '{snapshot}' is not the one this pool wrote: the pool recorded "
            f"checksum {row[0][:12]}…, the manifest says {manifest['sha256'][:12]}…. The snapshot "
            "and its manifest were changed after the backup; nothing was restored. Pick "
            "another snapshot.")


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
    _check_known_to_pool(pool, snapshot, manifest)
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
