"""SQL of quality measures and channel governance: scores, the gate, measures per group."""

from __future__ import annotations

from ..fields import CHECKED_FIELDS, CONTACT_FIELDS
from . import quote_ident

DDL: list[str] = [
    # Per-channel threshold of the gate (NULL: the pool's default in meta 'quality_threshold').
    "ALTER TABLE channels ADD COLUMN quality_threshold DOUBLE",
    # Batches up to this id no longer count towards the gate: set when a channel is resumed,
    # so that a resumed channel gets three fresh chances.
    "ALTER TABLE channels ADD COLUMN gate_after_batch BIGINT",
    "ALTER TABLE channels ADD COLUMN status_changed_at TIMESTAMP",
]


def _present(field: str) -> str:
    status = quote_ident(f"{field}_status")
    return f"({status} IS NOT NULL AND {status} <> 'missing')"


def _ok(field: str) -> str:
    return f"({quote_ident(f'{field}_status')} = 'ok')"


def set_batch_score_sql() -> str:
    return "UPDATE batches SET quality_score = ? WHERE batch_id = ?"


def batch_channel_sql() -> str:
    return "SELECT channel FROM batches WHERE batch_id = ?"


def ensure_channel_sql() -> str:
    return "INSERT OR IGNORE INTO channels (name, created_at) VALUES (?, ?)"


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


def next_notification_id_sql() -> str:
    return "SELECT coalesce(max(notification_id), 0) + 1 FROM notifications"


def insert_notification_sql() -> str:
    return """
INSERT INTO notifications
    (notification_id, created_at, recipient, kind, subject, message, payload, event_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)"""


# --- measures for the quality report ---------------------------------------------------------

# Batch kinds that carry no lead data (scheduled report runs in the sync log).
NON_DATA_KINDS = ("scheduled_run",)


def batch_filter_sql(*, since=None, until=None, channels=None) -> tuple[str, list]:
    """A CTE `b` of the batches a report covers, with its parameters."""
    where, params = [f"kind NOT IN ({', '.join('?' for _ in NON_DATA_KINDS)})"], [*NON_DATA_KINDS]
    if since is not None:
        where.append("started_at >= ?")
        params.append(since)
    if until is not None:
        where.append("started_at < ?")
        params.append(until)
    if channels:
        where.append(f"channel IN ({', '.join('?' for _ in channels)})")
        params.extend(channels)
    return f"b AS (SELECT * FROM batches WHERE {' AND '.join(where)})", params


def batch_parts_sql(batches_cte: str) -> str:
    """Per batch: the counts every rate of the report is made of.

    rows counts rows read but not stored too (batches.rows above the record count); such rows
    are neither reachable nor complete.
    """
    present = " + ".join(f"count(*) FILTER ({_present(f)})" for f in CHECKED_FIELDS)
    valid = " + ".join(f"count(*) FILTER ({_ok(f)})" for f in CHECKED_FIELDS)
    any_contact = " OR ".join(_present(f) for f in CONTACT_FIELDS)
    return f"""
WITH {batches_cte},
parts AS (
    SELECT r.batch_id,
        count(*) AS records,
        count(*) FILTER (WHERE r.rejected) AS rejected,
        count(*) FILTER (WHERE r.reachable) AS reachable,
        count(*) FILTER (WHERE {_present('name')} AND ({any_contact})) AS complete,
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


def field_counts_sql(batches_cte: str) -> str:
    """Per batch and checked field: records, present values, valid values."""
    selects = "\nUNION ALL\n".join(
        f"SELECT r.batch_id, '{f}' AS field, count(*) AS records, "
        f"count(*) FILTER ({_present(f)}) AS present, count(*) FILTER ({_ok(f)}) AS valid "
        "FROM records r JOIN b USING (batch_id) GROUP BY r.batch_id"
        for f in CHECKED_FIELDS
    )
    return f"WITH {batches_cte}\n{selects}"


def has_clusters_sql() -> str:
    return "SELECT count(*) > 0 FROM clusters"


def batch_links_sql(batches_cte: str) -> str:
    """Per batch: linked records, duplicates, already known records, new leads.

    A record is a duplicate when its cluster has more than one record, and already known when
    its cluster holds a record of an earlier batch (of any channel, inside the report or not).
    """
    return f"""
WITH {batches_cte},
linked AS (
    SELECT c.record_id, c.cluster_id, r.batch_id
    FROM clusters c JOIN records r USING (record_id)
),
sizes AS (
    SELECT cluster_id, count(*) AS size, min(batch_id) AS first_batch
    FROM linked GROUP BY cluster_id
)
SELECT r.batch_id,
    count(l.record_id) AS linked,
    count(*) FILTER (WHERE s.size > 1) AS duplicates,
    count(*) FILTER (WHERE s.first_batch < r.batch_id) AS known,
    count(DISTINCT l.cluster_id) FILTER (WHERE s.first_batch = r.batch_id) AS new_leads
FROM records r JOIN b USING (batch_id)
LEFT JOIN linked l USING (record_id)
LEFT JOIN sizes s ON s.cluster_id = l.cluster_id
GROUP BY r.batch_id"""


def channel_overlap_sql(batches_cte: str) -> str:
    """Pairs of channels with the number of leads (clusters) that have records from both."""
    return f"""
WITH {batches_cte},
lead_channels AS (
    SELECT DISTINCT c.cluster_id, b.channel
    FROM clusters c JOIN records r USING (record_id) JOIN b USING (batch_id)
)
SELECT x.channel AS channel_a, y.channel AS channel_b, count(*) AS shared
FROM lead_channels x JOIN lead_channels y USING (cluster_id)
GROUP BY 1, 2"""


def problem_rows_sql(batches_cte: str, raw_columns: list[str]) -> str:
    """Records with a problem: rejected, unreachable, or a value that is invalid or abnormal.

    The last parameter is the row limit.
    """
    flagged = " OR ".join(
        f"{quote_ident(f + '_status')} IN ('invalid', 'abnormal')" for f in CHECKED_FIELDS
    )
    notes = ", ".join(
        f"CASE WHEN {quote_ident(f + '_status')} IN ('invalid', 'abnormal') "
        f"THEN '{f}: ' || {quote_ident(f + '_status')} END"
        for f in CHECKED_FIELDS
    )
    return f"""
WITH {batches_cte}
SELECT r.batch_id, b.channel, r.record_id, r.source_file, r.source_sheet, r.source_row,
    concat_ws('; ',
        CASE WHEN r.rejected THEN 'rejected: ' || coalesce(r.reject_reason, '') END,
        CASE WHEN NOT coalesce(r.reachable, FALSE) AND NOT coalesce(r.rejected, FALSE)
             THEN 'not reachable' END,
        {notes}) AS problems,
    {', '.join('r.' + quote_ident(c) for c in raw_columns)}
FROM records r JOIN b USING (batch_id)
WHERE coalesce(r.rejected, FALSE) OR NOT coalesce(r.reachable, FALSE) OR {flagged}
ORDER BY r.batch_id, r.record_id
LIMIT ?"""


def last_scheduled_runs_sql() -> str:
    """When each scheduled job last ran (`?` = the batch kind of scheduled runs)."""
    return """
SELECT channel, max(started_at) FROM batches WHERE kind = ? GROUP BY channel"""


def meta_value_sql() -> str:
    return "SELECT value FROM meta WHERE key = ?"


def set_meta_value_sql() -> str:
    return "INSERT OR REPLACE INTO meta VALUES (?, ?)"
