"""SQL helpers, and the pool-wide statements, as small functions ending in `_sql`.

SQL of the pool as a whole (the event log, leftover staging tables, memory); each area keeps
its own statements in its own `sql.py` (`ingest/sql.py`, `linkage/sql.py`, `leads/sql.py`,
`quality/sql.py`). Values go in as bound parameters (`$name`); identifiers that come from users
(Excel headers) go through `quote_ident`. Statements run through `workbench.store.pool.run`,
which adds the SQL to errors.
"""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB, whatever characters it holds.

    Example:
        >>> quote_ident("手机号")
        '"手机号"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def column_list(names) -> str:
    """A comma-separated list of quoted identifiers."""
    return ", ".join(quote_ident(n) for n in names)


# --- the event log -------------------------------------------------------------------------


def next_event_id_sql() -> str:
    return "SELECT coalesce(max(event_id), 0) + 1 FROM events"


def insert_event_sql() -> str:
    return (
        "INSERT INTO events (event_id, happened_at, actor, kind, target, reason, payload, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )


def undo_events_sql() -> str:
    return "SELECT event_id, undoes FROM events WHERE undoes IS NOT NULL ORDER BY event_id DESC"


def event_sql() -> str:
    return "SELECT * FROM events WHERE event_id = ?"


# --- staging and memory --------------------------------------------------------------------

STAGING_PREFIX = "staging_records_"


def drop_staging_sql(table: str) -> str:
    return f"DROP TABLE IF EXISTS {quote_ident(table)}"


def leftover_staging_sql() -> str:
    return "SELECT table_name FROM information_schema.tables WHERE table_name LIKE ?"


def memory_limit_sql(limit: str) -> str:
    # SET takes no parameters; the limit is a constant of ours, never a user's text.
    return f"SET memory_limit = '{limit}'"


def count_records_sql() -> str:
    return "SELECT count(*) FROM records"


def table_exists_sql() -> str:
    return "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary"


def next_notification_id_sql() -> str:
    return "SELECT coalesce(max(notification_id), 0) + 1 FROM notifications"


def insert_notification_sql() -> str:
    return """
INSERT INTO notifications
    (notification_id, created_at, recipient, kind, subject, message, payload, event_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


def meta_value_sql() -> str:
    return "SELECT value FROM meta WHERE key = ?"


def set_meta_value_sql() -> str:
    return "INSERT OR REPLACE INTO meta VALUES (?, ?)"
