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


def batch_score_parts_sql() -> str:
    """Rows, reachable, complete, present and valid value counts of one batch (`?` = batch_id).

    Rows that were read but not stored as records (batches.rows above the record count) count
    as rows that are neither reachable nor complete.
    """
    present = " + ".join(f"count(*) FILTER ({_present(f)})" for f in CHECKED_FIELDS)
    valid = " + ".join(f"count(*) FILTER ({_ok(f)})" for f in CHECKED_FIELDS)
    any_contact = " OR ".join(_present(f) for f in CONTACT_FIELDS)
    return f"""
WITH r AS (
    SELECT
        count(*) AS records,
        count(*) FILTER (WHERE reachable) AS reachable,
        count(*) FILTER (WHERE {_present('name')} AND ({any_contact})) AS complete,
        {present} AS present,
        {valid} AS valid
    FROM records WHERE batch_id = ?
)
SELECT greatest(coalesce(b.rows, 0), r.records) AS rows, r.reachable, r.complete, r.present, r.valid
FROM batches b, r
WHERE b.batch_id = ?"""


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
    """The channel's latest scored batches after the gate's reset point, newest first.

    Parameters: channel, gate_after_batch, limit.
    """
    return """
SELECT batch_id, quality_score
FROM batches
WHERE channel = ? AND quality_score IS NOT NULL AND batch_id > coalesce(?, -1)
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
