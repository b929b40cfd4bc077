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
    """The id the next event gets (one more than the largest)."""
    return "SELECT coalesce(max(event_id), 0) + 1 FROM events"


def insert_event_sql() -> str:
    """Append one event. Params: $event_id, $happened_at, $actor, $kind, $target, $reason,
    $payload (JSON text), $undoes."""
    return (
        "INSERT INTO events (event_id, happened_at, actor, kind, target, reason, payload, undoes) "
        "VALUES ($event_id, $happened_at, $actor, $kind, $target, $reason, $payload, $undoes)"
    )


def undo_events_sql() -> str:
    """Every undo event (event_id, the event it undoes), newest first."""
    return "SELECT event_id, undoes FROM events WHERE undoes IS NOT NULL ORDER BY event_id DESC"


def event_sql() -> str:
    """The event `$event_id`, every column."""
    return "SELECT * FROM events WHERE event_id = $event_id"


# --- staging and memory --------------------------------------------------------------------

STAGING_PREFIX = "staging_records_"


def drop_staging_sql(table: str) -> str:
    """Drop the staging table `table` if it is there."""
    return f"DROP TABLE IF EXISTS {quote_ident(table)}"


def leftover_staging_sql() -> str:
    """The names of the tables whose name is LIKE `$pattern`."""
    return "SELECT table_name FROM information_schema.tables WHERE table_name LIKE $pattern"


def memory_limit_sql(limit: str) -> str:
    """Cap DuckDB's memory for the connection at `limit` (e.g. '1GB')."""
    # SET takes no parameters; the limit is a constant of ours, never a user's text.
    return f"SET memory_limit = '{limit}'"


def count_records_sql() -> str:
    """How many records the pool holds."""
    return "SELECT count(*) FROM records"


def table_exists_sql() -> str:
    """Whether a table named `$table` exists (temporary tables do not count)."""
    return "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = $table AND NOT temporary"


def next_notification_id_sql() -> str:
    """The id the next notification gets."""
    return "SELECT coalesce(max(notification_id), 0) + 1 FROM notifications"


def insert_notification_sql() -> str:
    """Queue one notification. Params: $notification_id, $created_at, $recipient, $kind,
    $subject, $message, $payload, $event_id."""
    return """
INSERT INTO notifications
    (notification_id, created_at, recipient, kind, subject, message, payload, event_id)
VALUES ($notification_id, $created_at, $recipient, $kind, $subject, $message, $payload,
        $event_id)"""


def meta_value_sql() -> str:
    """The pool setting `$key` (one row of value, or none)."""
    return "SELECT value FROM meta WHERE key = $key"


def set_meta_value_sql() -> str:
    """Set the pool setting `$key` to `$value`."""
    return "INSERT OR REPLACE INTO meta VALUES ($key, $value)"


# --- connections, transactions, snapshots ----------------------------------------------------


def progress_bar_off_sql() -> str:
    """Turn DuckDB's own progress bar off for the connection."""
    return "SET enable_progress_bar = false"


def begin_sql() -> str:
    """Begin a transaction (run only by `workbench.store.pool.transaction`)."""
    return "BEGIN TRANSACTION"


def commit_sql() -> str:
    """Commit the transaction (run only by `workbench.store.pool.transaction`)."""
    return "COMMIT"


def rollback_sql() -> str:
    """Roll the transaction back (run only by `workbench.store.pool.transaction`)."""
    return "ROLLBACK"


def checkpoint_sql() -> str:
    """Write every committed row into the database file."""
    return "CHECKPOINT"


def main_tables_sql() -> str:
    """The names of the tables of the main schema."""
    return "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"


def base_tables_sql() -> str:
    """The names of the stored tables (not views) of the main schema, in order."""
    return ("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")


def content_digest_sql(table: str) -> str:
    """Rows of `table` and a digest of every value in them: reading them makes DuckDB check
    each data block's checksum, and the digest tells a copy with the same contents."""
    return f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {quote_ident(table)} t"


def count_rows_sql(table: str) -> str:
    """How many rows the table `table` holds."""
    return f"SELECT count(*) FROM {quote_ident(table)}"
