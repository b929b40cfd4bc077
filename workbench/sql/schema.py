"""The pool's schema, in one place, as numbered migrations.

A pool records the highest migration it has applied in `meta.schema_version`; opening a pool
applies the ones it lacks, in order, inside one transaction. Later versions only add.

Until the first release every area's tables are part of migration 1: each area keeps its DDL
as a list `DDL` in its own module here (`sql/linkage.py`, `sql/history.py`, ...) and adds it
to migration 1 below. After a release, changes become new migrations appended to the list.
"""

from __future__ import annotations

from ..fields import record_columns
from . import history, linkage, quality, quote_ident


def _records_ddl() -> str:
    columns = ",\n    ".join(f"{quote_ident(c)} {t}" for c, t in record_columns().items())
    return f"""
CREATE TABLE records (
    record_id BIGINT PRIMARY KEY,
    batch_id BIGINT NOT NULL,
    source_file VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    entered_by VARCHAR,
    entered_at TIMESTAMP NOT NULL,
    {columns}
)"""


MIGRATIONS: list[list[str]] = [
    # 1: the foundation: records, the sync log, channels and their header mappings, events.
    [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """
CREATE TABLE channels (
    name VARCHAR PRIMARY KEY,
    priority INTEGER NOT NULL DEFAULT 50,
    kind VARCHAR NOT NULL DEFAULT 'third_party',
    owner VARCHAR,
    contact VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active',
    status_reason VARCHAR,
    created_at TIMESTAMP NOT NULL
)""",
        """
CREATE TABLE channel_mappings (
    channel VARCHAR NOT NULL,
    header VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (channel, header)
)""",
        """
CREATE TABLE batches (
    batch_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    channel VARCHAR NOT NULL,
    file VARCHAR,
    sheet VARCHAR,
    file_sha256 VARCHAR,
    kind VARCHAR NOT NULL DEFAULT 'file',
    status VARCHAR NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    error_rows INTEGER NOT NULL DEFAULT 0,
    reasons VARCHAR,
    handler VARCHAR,
    quality_score DOUBLE,
    mapping VARCHAR
)""",
        _records_ddl(),
        """
CREATE TABLE events (
    event_id BIGINT PRIMARY KEY,
    happened_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    target VARCHAR,
    reason VARCHAR,
    payload VARCHAR,
    undoes BIGINT
)""",
        *linkage.DDL,
        *history.DDL,
        *quality.DDL,
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version_sql() -> str:
    return "SELECT value FROM meta WHERE key = 'schema_version'"


def set_schema_version_sql() -> str:
    return "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)"


def has_meta_sql() -> str:
    return "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
