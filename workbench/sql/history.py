"""SQL of review, merge and history: labels, link constraints, leads, and the outbox."""

from __future__ import annotations

DDL: list[str] = [
    # Reviewers' pair decisions, used to train and evaluate the model.
    """
CREATE TABLE labels (
    record_id_l BIGINT NOT NULL,
    record_id_r BIGINT NOT NULL,
    is_match BOOLEAN NOT NULL,
    reviewer VARCHAR NOT NULL,
    labelled_at TIMESTAMP NOT NULL,
    event_id BIGINT
)""",
    # Constraints every clustering run honours. Rows are never updated: undoing one adds a
    # row with active = false, and the latest row per pair wins.
    """
CREATE TABLE link_constraints (
    record_id_l BIGINT NOT NULL,
    record_id_r BIGINT NOT NULL,
    kind VARCHAR NOT NULL,              -- 'must_link' | 'cannot_link'
    created_at TIMESTAMP NOT NULL,
    event_id BIGINT,
    active BOOLEAN NOT NULL DEFAULT TRUE
)""",
    # Messages to salespeople and channel owners, delivered later.
    """
CREATE TABLE notifications (
    notification_id BIGINT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- 'lead_changed' | 'channel_paused' | 'run_failed' ...
    subject VARCHAR,                    -- lead id, channel name, ...
    message VARCHAR NOT NULL,
    payload VARCHAR,
    event_id BIGINT,
    delivered_at TIMESTAMP
)""",
]


def next_event_id_sql() -> str:
    return "SELECT coalesce(max(event_id), 0) + 1 FROM events"


def insert_event_sql() -> str:
    return (
        "INSERT INTO events (event_id, happened_at, actor, kind, target, reason, payload, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
