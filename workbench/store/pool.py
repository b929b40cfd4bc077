"""The lead pool: one DuckDB file, opened for the span of an operation.

DuckDB admits one writing process at a time, so nothing keeps the pool open between
operations. A second process that finds it locked waits and retries for a while, then gets a
`PoolBusy` that says who holds it and what to do.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from workbench.errors import PoolBusy, PoolError, SqlError
from workbench.store import schema
from workbench.store import sql as store_sql

log = logging.getLogger(__name__)

DEFAULT_POOL = Path("data") / "leadpool.duckdb"
LOCK_WAIT_SECONDS = float(os.environ.get("WORKBENCH_LOCK_WAIT", "15"))


def default_pool_path() -> Path:
    """The pool chosen by `WORKBENCH_POOL`, else `data/leadpool.duckdb`."""
    return Path(os.environ.get("WORKBENCH_POOL") or DEFAULT_POOL)


def current_actor() -> str:
    """Who is acting: `WORKBENCH_USER`, else the login name."""
    try:
        return os.environ.get("WORKBENCH_USER") or getpass.getuser()
    except OSError:
        return "unknown"


def run(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> duckdb.DuckDBPyConnection:
    """Run one statement; a failure raises `SqlError` with the statement in its message."""
    try:
        return con.execute(sql, params) if params is not None else con.execute(sql)
    except duckdb.Error as err:
        raise _failed(err, sql) from err


def run_many(con: duckdb.DuckDBPyConnection, sql: str, rows: list[dict]) -> None:
    """Run one statement once per row of params, as `run` does (the statement in errors)."""
    try:
        con.executemany(sql, rows)
    except duckdb.Error as err:
        raise _failed(err, sql) from err


def _failed(err: duckdb.Error, sql: str) -> SqlError:
    return SqlError(f"{err}\nThe statement was:\n{sql.strip()}")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, commit: bool = True) -> Iterator[None]:
    """Run the block inside one transaction on `con`: it commits when the block ends (or is
    rolled back whatever happens, with `commit=False`) and is rolled back when it raises.

    The one place that begins, commits and rolls back transactions.
    """
    run(con, store_sql.begin_sql())
    try:
        yield
    except BaseException:
        run(con, store_sql.rollback_sql())
        raise
    run(con, store_sql.commit_sql() if commit else store_sql.rollback_sql())


class Pool:
    """A handle on a lead pool file. Cheap to make; opens the file only inside `connect`.

    Example:
        >>> pool = Pool("data/leadpool.duckdb")
        >>> with pool.transaction() as con:
        ...     con.execute("SELECT count(*) FROM records").fetchone()
        (2500,)
    """

    def __init__(self, path: str | os.PathLike | None = None, *, lock_wait: float | None = None):
        self.path = Path(path) if path is not None else default_pool_path()
        self.lock_wait = LOCK_WAIT_SECONDS if lock_wait is None else lock_wait

    def __repr__(self) -> str:
        return f"Pool('{self.path}')"

    def __fspath__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the pool (creating it and its schema on first use) and close it afterwards."""
        if read_only and not self.path.exists():
            raise PoolError(
                f"There is no lead pool at '{self.path}'. Import a file first "
                "(`workbench import FILE --channel NAME`) or point --pool / WORKBENCH_POOL at one."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._open(read_only)
        # DuckDB's own bars would interleave with ours on the terminal and in notebooks.
        run(con, store_sql.progress_bar_off_sql())
        try:
            if not read_only:
                _migrate(con, self.path)
                _drop_leftover_staging(con)
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction: everything in it lands whole or not at all."""
        with self.connect() as con, transaction(con):
            yield con

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.lock_wait
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as err:
                text = str(err)
                if "lock" not in text.lower():
                    raise PoolError(
                        f"The lead pool '{self.path}' cannot be opened: {text}. If the file is "
                        "damaged, restore the latest backup (`workbench restore`)."
                    ) from err
                if time.monotonic() >= deadline:
                    holder = re.search(r"PID (\d+)", text)
                    who = f" (process {holder.group(1)})" if holder else ""
                    raise PoolBusy(
                        f"The lead pool '{self.path}' is in use by another process{who}; "
                        f"waited {self.lock_wait:.0f} s. Let that import or notebook cell finish "
                        "(or shut down the notebook kernel that holds it), then try again."
                    ) from err
                log.info("pool is busy, retrying in %.2f s", delay)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)


def _drop_leftover_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop staging tables of imports that died before landing (they hold no pool content)."""
    tables = run(con, store_sql.leftover_staging_sql(),
                 {"pattern": store_sql.STAGING_PREFIX + "%"}).fetchall()
    for (table,) in tables:
        log.warning("dropping %s, left by an import that did not finish", table)
        run(con, store_sql.drop_staging_sql(table))


def _migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    has_meta = run(con, schema.has_meta_sql()).fetchone()[0]
    version = 0
    if has_meta:
        row = run(con, schema.schema_version_sql()).fetchone()
        version = int(row[0]) if row else 0
    if version > schema.SCHEMA_VERSION:
        raise PoolError(
            f"The pool '{path}' has schema version {version}, newer than this workbench "
            f"({schema.SCHEMA_VERSION}). Upgrade the workbench package to use it."
        )
    if version == schema.SCHEMA_VERSION:
        return
    with transaction(con):
        for statements in schema.MIGRATIONS[version:]:
            for statement in statements:
                run(con, statement)
        run(con, schema.set_schema_version_sql(), {"version": str(schema.SCHEMA_VERSION)})
    log.info("pool %s at schema version %d", path, schema.SCHEMA_VERSION)
