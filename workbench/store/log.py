"""The event log: every change to the pool is an event (who, when, what, why, payload).

Events are appended, never changed. State elsewhere is derived from append-only rows tagged
with the event that wrote them, so undoing an event (`workbench.leads.restore.undo`) writes a
new event whose rows restore what was there before.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

import duckdb

from workbench.errors import InputError
from workbench.store import sql
from workbench.store.pool import current_actor, run

log = logging.getLogger(__name__)


def now() -> datetime:
    """The time stamped on events: local wall-clock time, to the microsecond."""
    return datetime.now()


def log_event(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    target: str | None,
    *,
    actor: str | None = None,
    reason: str | None = None,
    payload: dict | list | None = None,
    undoes: int | None = None,
) -> int:
    """Append one event to the audit log and return its id.

    Call it inside the transaction that makes the change, so the event and the change land
    together or not at all.

    Args:
        con: an open connection to the pool (inside a transaction).
        kind: what happened: 'import', 'merge', 'split', 'edit', 'undo', ...
        target: what it happened to: 'batch:12', 'lead:345', 'cluster:7', ...
        actor: who did it; defaults to `current_actor()`.
        reason: why, in the actor's words.
        payload: JSON-able details that undo and history read.
        undoes: the event this one reverses, for undo events.

    Returns:
        The new event's id (ids only grow).

    Example:
        >>> with pool.transaction() as con:
        ...     event_id = log_event(con, "import", "batch:3", payload={"rows": 120})
    """
    event_id = run(con, sql.next_event_id_sql()).fetchall()[0][0]
    run(
        con,
        sql.insert_event_sql(),
        {
            "event_id": event_id,
            "happened_at": now(),
            "actor": actor or current_actor(),
            "kind": kind,
            "target": target,
            "reason": reason,
            "payload": (json.dumps(payload, ensure_ascii=False, default=str)
                        if payload is not None else None),
            "undoes": undoes,
        },
    )
    log.info("event %d: %s %s", event_id, kind, target or "")
    return int(event_id)


def undone_events(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The ids of events that an undo in force has reversed.

    An undo is itself in force unless a later undo reversed it, so walking the undo events
    from the newest down settles each one before the event it reverses is looked at.
    """
    rows = run(con, sql.undo_events_sql()).fetchall()
    undone: set[int] = set()
    for event_id, target in rows:  # newest first
        if event_id not in undone:
            undone.add(int(target))
    return undone


def event_row(con: duckdb.DuckDBPyConnection, event_id: int) -> dict:
    """One event as a dict; InputError when there is none with that id."""
    cur = run(con, sql.event_sql(), {"event_id": event_id})
    rows = cur.fetchall()
    row = rows[0] if rows else None
    if row is None:
        raise InputError(
            f"There is no event {event_id} in the pool.",
            fix="List recent events with `workbench events` and pass one of their ids.",
        )
    return dict(zip([d[0] for d in cur.description], row, strict=True))
