"""SQL of imports: batches (the sync log), records, channel mappings, and channel governance
(batch scores, the gate)."""

from __future__ import annotations

from workbench.fields import CHECKED_FIELDS, CONTACT_FIELDS
from workbench.store.sql import column_list, quote_ident


def batch_by_sha_sql() -> str:
    """The first batch (batch_id) that did not fail of channel `$channel` whose file had the
    checksum `$sha256`."""
    return """
SELECT batch_id FROM batches
WHERE channel = $channel AND file_sha256 = $sha256 AND status <> 'failed'
ORDER BY batch_id LIMIT 1"""


def next_batch_id_sql() -> str:
    """The id the next batch gets."""
    return "SELECT coalesce(max(batch_id), 0) + 1 FROM batches"


def next_record_id_sql() -> str:
    """The id the next record gets."""
    return "SELECT coalesce(max(record_id), 0) + 1 FROM records"


def ensure_channel_sql() -> str:
    """Create the channel `$channel` with default settings unless it exists."""
    return """
INSERT INTO channels (name, created_at) VALUES ($channel, now()::TIMESTAMP)
ON CONFLICT DO NOTHING"""


def insert_batch_sql() -> str:
    """Append one batch to the sync log. Params: $batch_id, $started_at, $channel, $file,
    $sheet, $file_sha256, $kind, $status, $rows, $error_rows, $reasons, $handler, $mapping."""
    return """
INSERT INTO batches (batch_id, started_at, channel, file, sheet, file_sha256, kind, status,
                     rows, error_rows, reasons, handler, mapping)
VALUES ($batch_id, $started_at, $channel, $file, $sheet, $file_sha256, $kind, $status,
        $rows, $error_rows, $reasons, $handler, $mapping)"""


def finish_batch_sql() -> str:
    """Stamp batch `$batch_id` finished at `$finished_at`."""
    return "UPDATE batches SET finished_at = $finished_at WHERE batch_id = $batch_id"


def create_staging_sql(table: str) -> str:
    """Create the empty staging table `table`, shaped as `records`."""
    return f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM records LIMIT 0"


def land_staging_sql(table: str) -> str:
    """Move the rows of staging table `table` into `records`, their ids shifted by
    `$first_record` and their batch set to `$batch_id`."""
    return f"""
INSERT INTO records
SELECT * REPLACE (record_id + $first_record AS record_id, $batch_id::BIGINT AS batch_id)
FROM {quote_ident(table)} ORDER BY record_id"""


def insert_records_sql(table: str, columns: list[str]) -> str:
    """Copy `columns` of the registered `incoming_records` into `table`."""
    names = column_list(columns)
    return f"INSERT INTO {quote_ident(table)} ({names}) SELECT {names} FROM incoming_records"


def save_mapping_sql() -> str:
    """Remember that channel `$channel` maps `$header` to `$field` ('' for none), as of
    `$saved_at`."""
    return "INSERT OR REPLACE INTO channel_mappings VALUES ($channel, $header, $field, $saved_at)"


def saved_mapping_sql() -> str:
    """The (header, field or NULL) pairs saved for channel `$channel`."""
    return "SELECT header, nullif(field, '') FROM channel_mappings WHERE channel = $channel"


def channel_names_sql() -> str:
    """The names of every channel, sorted."""
    return "SELECT name FROM channels ORDER BY name"


def sync_row_sql() -> str:
    """The sync-log row (批次) of batch `$batch_id`."""
    return """
SELECT batch_id, started_at, finished_at, channel, file, status, rows, error_rows, reasons,
       handler, quality_score
FROM batches WHERE batch_id = $batch_id"""


def present_sql(field: str) -> str:
    """A condition: the record has a value for `field` (its status is neither NULL nor
    missing)."""
    status = quote_ident(f"{field}_status")
    return f"({status} IS NOT NULL AND {status} <> 'missing')"


def ok_sql(field: str) -> str:
    """A condition: the record's value for `field` is valid."""
    return f"({quote_ident(f'{field}_status')} = 'ok')"


def set_batch_score_sql() -> str:
    """Store `$score` as the quality score of batch `$batch_id`."""
    return "UPDATE batches SET quality_score = $score WHERE batch_id = $batch_id"


def batch_channel_sql() -> str:
    """The channel of batch `$batch_id`."""
    return "SELECT channel FROM batches WHERE batch_id = $batch_id"


def channel_sql() -> str:
    """The settings and status of channel `$channel`."""
    return """
SELECT name, priority, kind, owner, contact, status, status_reason, quality_threshold,
       gate_after_batch, status_changed_at
FROM channels WHERE name = $channel"""


def pool_threshold_sql() -> str:
    """The pool's default quality threshold (one row of text, or none)."""
    return "SELECT value FROM meta WHERE key = 'quality_threshold'"


def set_pool_threshold_sql() -> str:
    """Set the pool's default quality threshold to `$threshold` (text)."""
    return "INSERT OR REPLACE INTO meta VALUES ('quality_threshold', $threshold)"


def recent_scores_sql() -> str:
    """The channel's latest scored file batches after the gate's reset point, newest first.

    Records entered by hand (kind 'manual') are the specialists' work, not the channel's, so
    they do not count towards the gate. Params: $channel, $gate_after_batch, $limit.
    """
    return """
SELECT batch_id, quality_score
FROM batches
WHERE channel = $channel AND kind = 'file' AND quality_score IS NOT NULL
  AND batch_id > coalesce($gate_after_batch, -1)
ORDER BY batch_id DESC
LIMIT $limit"""


def set_channel_status_sql() -> str:
    """Set channel `$channel`'s status to `$status` because of `$reason` at `$changed_at`,
    and its gate's reset point to `$gate_after_batch` when that is not NULL."""
    return """
UPDATE channels
SET status = $status, status_reason = $reason, status_changed_at = $changed_at,
    gate_after_batch = coalesce($gate_after_batch, gate_after_batch)
WHERE name = $channel"""


def last_batch_id_sql() -> str:
    """The newest batch of channel `$channel` (NULL when it has none)."""
    return "SELECT max(batch_id) FROM batches WHERE channel = $channel"


def update_channel_sql(columns: list[str]) -> str:
    """Set the settings `columns` of channel `$channel`, each from the param of the same name
    (`$owner`, `$priority`, ...; names of ours, never a user's)."""
    assignments = ", ".join(f"{quote_ident(c)} = ${c}" for c in columns)
    return f"UPDATE channels SET {assignments} WHERE name = $channel"


def list_channels_sql() -> str:
    """Every channel with its batch count, last batch time and its `$recent` latest scores."""
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
               FILTER (WHERE n <= $recent AND quality_score IS NOT NULL) AS recent_scores
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
    are neither reachable nor complete. Params: those of `batches_cte`.
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
    """rows, reachable, complete, present, valid of batch `$batch_id`."""
    return f"""
SELECT rows, reachable, complete, present, valid
FROM ({batch_parts_sql("b AS (SELECT * FROM batches WHERE batch_id = $batch_id)")})"""


def reject_reason_sql() -> str:
    """Why the first rejected record of batch `$batch_id` was rejected: one row (reject_reason),
    or none."""
    return """
SELECT reject_reason FROM records WHERE batch_id = $batch_id AND rejected
ORDER BY record_id LIMIT 1"""


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
