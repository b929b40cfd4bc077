"""SQL of imports: batches (the sync log), records, channel mappings, and channel governance
(batch scores, the gate)."""

from __future__ import annotations

from workbench.fields import CHECKED_FIELDS, CONTACT_FIELDS
from workbench.store.sql import column_list, quote_ident


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




def create_staging_sql(table: str) -> str:
    return f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM records LIMIT 0"


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


def channel_names_sql() -> str:
    return "SELECT name FROM channels ORDER BY name"


def sync_row_sql() -> str:
    """The sync-log row (批次) of batch `?`."""
    return """
SELECT batch_id, started_at, finished_at, channel, file, status, rows, error_rows, reasons,
       handler, quality_score
FROM batches WHERE batch_id = ?"""


def present_sql(field: str) -> str:
    status = quote_ident(f"{field}_status")
    return f"({status} IS NOT NULL AND {status} <> 'missing')"


def ok_sql(field: str) -> str:
    return f"({quote_ident(f'{field}_status')} = 'ok')"


def set_batch_score_sql() -> str:
    return "UPDATE batches SET quality_score = ? WHERE batch_id = ?"


def batch_channel_sql() -> str:
    return "SELECT channel FROM batches WHERE batch_id = ?"


def channel_sql() -> str:
    return """
SELECT name, priority, kind, owner, contact, status, status_reason, quality_threshold,
       gate_after_batch, status_changed_at
FROM channels WHERE name = ?"""


def pool_threshold_sql() -> str:
    return "SELECT value FROM meta WHERE key = 'quality_threshold'"


def set_pool_threshold_sql() -> str:
    return "INSERT OR REPLACE INTO meta VALUES ('quality_threshold', ?)"


def recent_scores_sql() -> str:
    """The channel's latest scored file batches after the gate's reset point, newest first.

    Records entered by hand (kind 'manual') are the specialists' work, not the channel's, so
    they do not count towards the gate. Parameters: channel, gate_after_batch, limit.
    """
    return """
SELECT batch_id, quality_score
FROM batches
WHERE channel = ? AND kind = 'file' AND quality_score IS NOT NULL
  AND batch_id > coalesce(?, -1)
ORDER BY batch_id DESC
LIMIT ?"""


def set_channel_status_sql() -> str:
    """Parameters: status, reason, changed_at, gate_after_batch, name."""
    return """
UPDATE channels
SET status = ?, status_reason = ?, status_changed_at = ?,
    gate_after_batch = coalesce(?, gate_after_batch)
WHERE name = ?"""


def last_batch_id_sql() -> str:
    return "SELECT max(batch_id) FROM batches WHERE channel = ?"


def update_channel_sql(columns: list[str]) -> str:
    assignments = ", ".join(f"{quote_ident(c)} = ?" for c in columns)
    return f"UPDATE channels SET {assignments} WHERE name = ?"


def list_channels_sql() -> str:
    """Every channel with its batch count, last batch time and recent scores (`?` = how many)."""
    return """
WITH ranked AS (
    SELECT channel, batch_id, started_at, quality_score,
           row_number() OVER (PARTITION BY channel ORDER BY batch_id DESC) AS n
    FROM batches
),
per_channel AS (
    SELECT channel,
           count(*) AS batches,
           max(started_at) AS last_batch_at,
           list(round(quality_score, 4) ORDER BY batch_id)
               FILTER (WHERE n <= ? AND quality_score IS NOT NULL) AS recent_scores
    FROM ranked GROUP BY channel
)
SELECT c.name, c.kind, c.priority, c.owner, c.contact, c.status, c.status_reason,
       c.quality_threshold, coalesce(p.batches, 0) AS batches, p.last_batch_at,
       coalesce(p.recent_scores, []) AS recent_scores
FROM channels c LEFT JOIN per_channel p ON p.channel = c.name
ORDER BY c.priority DESC, c.name"""


def batch_parts_sql(batches_cte: str) -> str:
    """Per batch: the counts every rate of the report is made of.

    rows counts rows read but not stored too (batches.rows above the record count); such rows
    are neither reachable nor complete.
    """
    present = " + ".join(f"count(*) FILTER ({present_sql(f)})" for f in CHECKED_FIELDS)
    valid = " + ".join(f"count(*) FILTER ({ok_sql(f)})" for f in CHECKED_FIELDS)
    any_contact = " OR ".join(present_sql(f) for f in CONTACT_FIELDS)
    return f"""
WITH {batches_cte},
parts AS (
    SELECT r.batch_id,
        count(*) AS records,
        count(*) FILTER (WHERE r.rejected) AS rejected,
        count(*) FILTER (WHERE r.reachable) AS reachable,
        count(*) FILTER (WHERE {present_sql('name')} AND ({any_contact})) AS complete,
        {present} AS present,
        {valid} AS valid
    FROM records r JOIN b USING (batch_id)
    GROUP BY r.batch_id
)
SELECT b.batch_id, b.channel, b.kind, b.started_at, b.file, b.status, b.quality_score,
    greatest(coalesce(b.rows, 0), coalesce(p.records, 0)) AS rows,
    coalesce(p.records, 0) AS records, coalesce(p.rejected, 0) AS rejected,
    coalesce(p.reachable, 0) AS reachable, coalesce(p.complete, 0) AS complete,
    coalesce(p.present, 0) AS present, coalesce(p.valid, 0) AS valid
FROM b LEFT JOIN parts p USING (batch_id)
ORDER BY b.batch_id"""


def batch_score_parts_sql() -> str:
    """rows, reachable, complete, present, valid of one batch (`?` = batch_id)."""
    return f"""
SELECT rows, reachable, complete, present, valid
FROM ({batch_parts_sql("b AS (SELECT * FROM batches WHERE batch_id = ?)")})"""


def source_id_updates_sql() -> str:
    """For each stored record of batch `$batch_id` that carries a `source_id` an earlier batch
    of the same channel gave too: the current lead of the latest such earlier record."""
    return """
SELECT n.record_id, arg_max(m.lead_id, o.record_id) AS lead_id
FROM records n
JOIN records o ON o.channel = n.channel AND o.source_id = n.source_id
              AND o.batch_id < n.batch_id
JOIN current_membership m ON m.record_id = o.record_id AND m.lead_id IS NOT NULL
WHERE n.batch_id = $batch_id AND n.source_id IS NOT NULL AND NOT coalesce(n.rejected, false)
GROUP BY n.record_id"""
