"""SQL of imports: batches (the sync log), records, channel mappings."""

from __future__ import annotations

from . import column_list, quote_ident


def batch_by_sha_sql() -> str:
    return """
SELECT batch_id FROM batches
WHERE channel = ? AND file_sha256 = ? AND status <> 'failed'
ORDER BY batch_id LIMIT 1"""


def next_batch_id_sql() -> str:
    return "SELECT coalesce(max(batch_id), 0) + 1 FROM batches"


def next_record_id_sql() -> str:
    return "SELECT coalesce(max(record_id), 0) + 1 FROM records"


def ensure_channel_sql() -> str:
    return """
INSERT INTO channels (name, created_at) VALUES (?, now()::TIMESTAMP)
ON CONFLICT DO NOTHING"""


def insert_batch_sql() -> str:
    return """
INSERT INTO batches (batch_id, started_at, channel, file, sheet, file_sha256, kind, status,
                     rows, error_rows, reasons, handler, mapping)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""


def close_batch_sql() -> str:
    return "UPDATE batches SET status = ?, error_rows = ?, reasons = ? WHERE batch_id = ?"


def finish_batch_sql() -> str:
    return "UPDATE batches SET finished_at = ? WHERE batch_id = ?"


STAGING_PREFIX = "staging_records_"


def create_staging_sql(table: str) -> str:
    return f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM records LIMIT 0"


def drop_staging_sql(table: str) -> str:
    return f"DROP TABLE IF EXISTS {quote_ident(table)}"


def leftover_staging_sql() -> str:
    return "SELECT table_name FROM information_schema.tables WHERE table_name LIKE ?"


def land_staging_sql(table: str) -> str:
    return f"""
INSERT INTO records
SELECT * REPLACE (record_id + ? AS record_id, ?::BIGINT AS batch_id)
FROM {quote_ident(table)} ORDER BY record_id"""


def insert_records_sql(table: str, columns: list[str]) -> str:
    names = column_list(columns)
    return f"INSERT INTO {quote_ident(table)} ({names}) SELECT {names} FROM incoming_records"


def save_mapping_sql() -> str:
    return "INSERT OR REPLACE INTO channel_mappings VALUES (?, ?, ?, ?)"


def saved_mapping_sql() -> str:
    return "SELECT header, nullif(field, '') FROM channel_mappings WHERE channel = ?"


def memory_limit_sql(limit: str) -> str:
    # SET takes no parameters; the limit is a constant of ours, never a user's text.
    return f"SET memory_limit = '{limit}'"
