"""Merging: safe clusters become one lead each, and people correct a lead's fields.

`commit_merges` merges every pending cluster whose pairs all reach a match probability; the
rest wait for review (`workbench.leads.review`). `edit_lead` overrides one field of one lead.
Each is one undoable event.
"""

from __future__ import annotations

import logging

from workbench.errors import InputError
from workbench.leads import sql
from workbench.leads.change import Change, ChangeResult
from workbench.leads.survivorship import GOLDEN_FIELDS
from workbench.store import sql as store_sql
from workbench.store.log import log_event, now, undone_events
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)

# The match probability every pair of a cluster must reach for it to merge without review.
MERGE_PROBABILITY = 0.95


def commit_merges(pool: Pool, threshold: float | None = None, *, min_weight: float | None = None,
                  actor: str | None = None, reason: str | None = None) -> ChangeResult:
    """Merge every pending cluster that is safe at `threshold`, as one undoable event.

    A cluster is safe when every scored pair inside it has at least `threshold` match
    probability, no constraint keeps two of its records apart, and no reviewer decided it
    otherwise. Each merged cluster becomes one lead (the smallest lead id of its records).

    Args:
        threshold: the match probability (0 < p < 1; default MERGE_PROBABILITY, 0.95).
        min_weight: or the match weight every pair must reach instead (not both).

    Returns:
        A `ChangeResult` with `clusters` merged and `leads` in the pool afterwards; its
        `event_id` is None when no cluster was safe.

    Example:
        >>> result = commit_merges(pool, 0.98, reason="nightly auto-merge")
        >>> result.kind, result.event_id
        ('merge', 11)
    """
    if threshold is not None and min_weight is not None:
        raise InputError("阈值只能给一种 give a match probability or a match weight, not both.",
                         fix="Pass threshold=0.95 or min_weight=4.2.")
    if min_weight is not None:  # the same bar as a probability: p = 2^w / (1 + 2^w)
        threshold = 1 / (1 + 2 ** -float(min_weight))
    threshold = MERGE_PROBABILITY if threshold is None else threshold
    if not 0 < threshold < 1:
        raise InputError(f"匹配概率须在 0 与 1 之间 {threshold:g} is not a match probability "
                         "between 0 and 1.", fix=f"For a match weight pass min_weight={threshold:g}.")
    with pool.transaction() as con, Change.begin(con) as change:
        undone = sorted(undone_events(con))
        safe = change.table("safe", sql.safe_clusters_sql(),
                            {"threshold": threshold, "undone": undone})
        n = run(con, store_sql.count_rows_sql(safe)).fetchall()[0][0]
        if n == 0:
            return ChangeResult("merge", None, leads=int(run(
                con, sql.current_lead_count_sql()).fetchall()[0][0]))
        event_id = log_event(con, "merge", f"clusters:{n}", actor=actor, reason=reason,
                             payload={"threshold": threshold, "clusters": n})
        moved = change.move(sql.merge_safe_moves_sql(safe), event_id,
                            message=f"线索已合并 leads merged automatically at {threshold:g}")
        leads = run(con, store_sql.count_rows_sql("leads")).fetchall()[0][0]
        result = change.result("merge", event_id, clusters=int(n), leads=int(leads))
    log.info("merged %d clusters (%d records moved)", n, moved)
    return result


def edit_lead(pool_or_con, lead_id: int, field_name: str, value: str | None, *,
              actor: str | None = None, reason: str | None = None,
              kind: str = "edit") -> ChangeResult:
    """Override one field of one lead (a person's correction or a rule's fix), as one event.

    `value=None` removes an earlier override, so the field follows survivorship again.

    Example:
        >>> edit_lead(pool, 42, "title", "采购总监", reason="called the customer").event_id
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
        event_id = _edit(change, lead_id, field_name, value, actor=actor, reason=reason,
                         kind=kind)
        return change.result(kind, event_id)


def _edit(change: Change, lead_id: int, field_name: str, value: str | None, *,
          actor: str | None, reason: str | None, kind: str) -> int:
    con = change.con
    exists = run(con, sql.lead_size_sql(), {"lead_id": lead_id}).fetchall()[0][0]
    if not exists:
        raise InputError(f"There is no lead {lead_id} in the pool.",
                         fix="Find the lead id with `workbench leads` or `workbench export leads`.")
    actor = actor or current_actor()
    event_id = log_event(con, kind, f"lead:{lead_id}", actor=actor, reason=reason,
                         payload={"field": field_name, "value": value})
    run(con, sql.insert_edit_sql(), {"lead_id": lead_id, "field": field_name, "value": value,
                                     "active": value is not None, "recorded_at": now(),
                                     "event_id": event_id, "actor": actor, "reason": reason})
    change.touch([lead_id])
    what = f"{field_name} = {value}" if value is not None else f"{field_name} override removed"
    change.settle(event_id, message=f"线索已修改 lead edited by {actor}: {what}",
                  conflicts=False)
    return event_id
