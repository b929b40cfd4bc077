"""Merging: safe clusters become one lead each, and people correct a lead's fields.

`commit_merges` merges every pending cluster whose pairs all reach a match probability; the
rest wait for review (`workbench.leads.review`). `edit_lead` overrides one field of one lead.
Each is one undoable event.
"""

from __future__ import annotations

import logging

from workbench.errors import InputError
from workbench.leads import sql
from workbench.leads.change import Change
from workbench.leads.survivorship import GOLDEN_FIELDS
from workbench.store.log import log_event, now, undone_events
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)

# The match probability every pair of a cluster must reach for it to merge without review.
MERGE_PROBABILITY = 0.95


def commit_merges(pool: Pool, threshold: float = MERGE_PROBABILITY, *,
                  actor: str | None = None, reason: str | None = None) -> dict:
    """Merge every pending cluster that is safe at `threshold`, as one undoable event.

    A cluster is safe when every scored pair inside it has at least `threshold` match
    probability, no constraint keeps two of its records apart, and no reviewer decided it
    otherwise. Each merged cluster becomes one lead (the smallest lead id of its records).

    Returns:
        {'event_id', 'clusters', 'records_moved', 'leads'}.

    Example:
        >>> commit_merges(pool, 0.98, reason="nightly auto-merge")
        {'event_id': 11, 'clusters': ..., 'records_moved': ..., 'leads': ...}
    """
    with pool.transaction() as con, Change.begin(con) as change:
        undone = sorted(undone_events(con))
        safe = change.table("safe", sql.safe_clusters_sql(), [threshold, undone])
        n = run(con, f"SELECT count(*) FROM {safe}").fetchall()[0][0]
        if n == 0:
            return {"event_id": None, "clusters": 0, "records_moved": 0,
                    "leads": run(con, "SELECT count(DISTINCT lead_id) FROM current_membership")
                    .fetchall()[0][0]}
        event_id = log_event(con, "merge", f"clusters:{n}", actor=actor, reason=reason,
                             payload={"threshold": threshold, "clusters": n})
        moved = change.move(sql.merge_safe_moves_sql(safe), event_id,
                            message=f"线索已合并 leads merged automatically at {threshold:g}")
        leads = run(con, "SELECT count(*) FROM leads").fetchall()[0][0]
    log.info("merged %d clusters (%d records moved)", n, moved)
    return {"event_id": event_id, "clusters": int(n), "records_moved": int(moved),
            "leads": int(leads)}


def edit_lead(pool_or_con, lead_id: int, field_name: str, value: str | None, *,
              actor: str | None = None, reason: str | None = None, kind: str = "edit") -> int:
    """Override one field of one lead (a person's correction or a rule's fix); returns the event.

    `value=None` removes an earlier override, so the field follows survivorship again.

    Example:
        >>> edit_lead(pool, 42, "title", "采购总监", reason="called the customer")
        11
    """
    if field_name not in GOLDEN_FIELDS:
        raise InputError(f"'{field_name}' is not a field of a lead.",
                         fix=f"Use one of: {', '.join(GOLDEN_FIELDS)}.")
    if isinstance(pool_or_con, Pool):
        with pool_or_con.transaction() as con:
            return edit_lead(con, lead_id, field_name, value, actor=actor, reason=reason,
                             kind=kind)
    con = pool_or_con
    with Change.begin(con) as change:
        return _edit(change, lead_id, field_name, value, actor=actor, reason=reason, kind=kind)


def _edit(change: Change, lead_id: int, field_name: str, value: str | None, *,
          actor: str | None, reason: str | None, kind: str) -> int:
    con = change.con
    exists = run(con, "SELECT count(*) FROM current_membership WHERE lead_id = ?",
                 [lead_id]).fetchall()[0][0]
    if not exists:
        raise InputError(f"There is no lead {lead_id} in the pool.",
                         fix="Find the lead id with `workbench leads` or `workbench export leads`.")
    actor = actor or current_actor()
    event_id = log_event(con, kind, f"lead:{lead_id}", actor=actor, reason=reason,
                         payload={"field": field_name, "value": value})
    run(con, sql.insert_edit_sql(), [lead_id, field_name, value, value is not None, now(),
                                     event_id, actor, reason])
    change.touch([lead_id])
    what = f"{field_name} = {value}" if value is not None else f"{field_name} override removed"
    change.settle(event_id, message=f"线索已修改 lead edited by {actor}: {what}",
                  conflicts=False)
    return event_id
