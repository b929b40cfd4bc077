"""Undo, restore, and the story of a lead: the history read and rewound.

Every change to the pool is an event (`workbench.store.log`). State is derived from
append-only rows tagged with the event that wrote them, so undoing an event writes a new
event whose rows restore what was there before; nothing is updated in place or deleted.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

import duckdb
import pandas as pd

from workbench.errors import InputError
from workbench.leads import golden, sql
from workbench.leads.change import Change, ChangeResult
from workbench.privacy.masking import mask_free_text, personal_columns
from workbench.store.log import event_row, log_event, now, undone_events
from workbench.store.pool import Pool, current_actor, run

log = logging.getLogger(__name__)


# --- undo ---------------------------------------------------------------------------------


def undo(pool: Pool, event_id: int | None = None, *, last: bool = False,
         actor: str | None = None, reason: str | None = None) -> ChangeResult:
    """Reverse an event by writing a new one that restores what the event changed.

    Works for merges, splits, review decisions, edits, rule fixes, survivorship rule
    changes, whole import batches (their records leave the leads; the records stay stored),
    restores to a past moment, and undos themselves (undoing an undo redoes the event).
    An event whose records or fields were changed again later is refused, naming the later
    events to undo first.

    Args:
        pool: the lead pool.
        event_id: the event to reverse.
        last: reverse the newest event that is still in force instead.
        actor: who undoes it; defaults to `current_actor()`.
        reason: why.

    Returns:
        A `ChangeResult` for the new 'undo' event (`undoes`: the event reversed).

    Example:
        >>> from workbench.leads.merge import edit_lead
        >>> edit_lead(pool, 1, "title", "采购总监", reason="called the customer").event_id
        11
        >>> result = undo(pool, 11, reason="the wrong lead")
        >>> result.event_id, result.undoes
        (12, 11)
        >>> redo = undo(pool, last=True)  # redo: reverses the undo just made
        >>> redo.event_id, redo.undoes
        (13, 12)
    """
    with pool.transaction() as con, Change.begin(con) as change:
        undone = undone_events(con)
        if last:
            rows = run(con, sql.last_event_in_force_sql(), {"undone": sorted(undone)}).fetchall()
            row = rows[0] if rows else None
            if row is None:
                raise InputError("There is no event to undo in this pool.",
                                 fix="Import a file or make a change first.")
            event_id = int(row[0])
        if event_id is None:
            raise InputError("Which event should be undone?",
                             fix="Pass an event id (`workbench undo 17`) or `--last`.")
        event = event_row(con, event_id)
        if event_id in undone:
            by = run(con, sql.undone_by_sql(), {"event_id": event_id}).fetchall()[0][0]
            raise InputError(
                f"Event {event_id} ({event['kind']}) is already undone (by event {by}).",
                fix=f"To bring it back, undo the undo: `workbench undo {by}`.",
            )
        new_id = log_event(con, "undo", f"event:{event_id}", actor=actor, reason=reason,
                           payload={"kind": event["kind"], "target": event["target"]},
                           undoes=event_id)
        did = _reverse(change, event, new_id)
        if not did:
            raise InputError(
                f"Event {event_id} ({event['kind']} {event['target'] or ''}) changed nothing "
                "that undo can restore.",
                fix="Only changes to leads, fields, constraints, labels, rules and import "
                "batches can be undone here.",
            )
        result = change.result("undo", new_id, undoes=event_id)
    log.info("event %d undone by event %d", event_id, new_id)
    return result


def _reverse(change: Change, event: dict, new_id: int) -> bool:
    con = change.con
    event_id = event["event_id"]
    did = False
    message = f"线索已撤销变更 change undone: event {event_id} ({event['kind']})"
    if event["kind"] == "import" and (event["target"] or "").startswith("batch:"):
        batch_id = int(event["target"].split(":", 1)[1])
        change.move(sql.batch_out_sql(), new_id, message=message, params={"batch_id": batch_id})
        return True
    if event["kind"] == "rules":
        payload = json.loads(event["payload"])
        run(con, sql.set_rules_sql(), {"rules": payload["before"]})
        change.rules = golden.load_rules(con)
        golden.rebuild(con, change.rules, change.state)
        did = True
    rows = run(con, sql.event_membership_sql(), {"event_id": event_id}).fetchall()
    if rows:
        stale = [r[0] for r in rows if r[3] != r[4]]
        if stale:
            _refuse(con, event, "membership", stale)
        next_lead = run(con, sql.max_lead_id_sql()).fetchall()[0][0] + 1
        targets = []
        for record_id, before, had_row, _after, _now in rows:
            if had_row:
                targets.append((record_id, before))
            else:  # never had a lead before: it is admitted afresh
                targets.append((record_id, next_lead))
                next_lead += 1
        frame = pd.DataFrame(targets, columns=["record_id", "lead_id"])
        change.move(frame, new_id, message=message)
        did = True
    edits = run(con, sql.event_edits_sql(), {"event_id": event_id}).fetchall()
    if edits:
        stale = [(lead, f) for lead, f, _bv, _ba, av, aa, nv, na in edits
                 if (av, aa) != (nv, na)]
        if stale:
            _refuse(con, event, "edits", stale)
        for lead, f, bv, ba, _av, _aa, _nv, _na in edits:
            run(con, sql.insert_edit_sql(), {"lead_id": lead, "field": f, "value": bv,
                                             "active": ba, "recorded_at": now(),
                                             "event_id": new_id, "actor": None, "reason": None})
        change.touch({e[0] for e in edits})
        change.settle(new_id, message=message, conflicts=False)
        did = True
    at = now()
    for l_id, r_id, before_kind, before_active, kind in run(
            con, sql.event_constraints_sql(), {"event_id": event_id}).fetchall():
        run(con, sql.insert_constraint_sql(),
            {"record_id_l": l_id, "record_id_r": r_id, "kind": before_kind or kind,
             "created_at": at, "event_id": new_id, "active": bool(before_active)})
        did = True
    for l_id, r_id, before_match, before_active, match in run(
            con, sql.event_labels_sql(), {"event_id": event_id}).fetchall():
        run(con, sql.insert_label_sql(),
            {"record_id_l": l_id, "record_id_r": r_id,
             "is_match": match if before_match is None else before_match,
             "reviewer": current_actor(), "labelled_at": at, "event_id": new_id,
             "active": bool(before_active)})
        did = True
    if run(con, sql.decisions_of_event_sql(), {"event_id": event_id}).fetchall()[0][0]:
        did = True  # the decisions drop out of force with the event itself
    return did


def _refuse(con: duckdb.DuckDBPyConnection, event: dict, what: str, keys: list) -> None:
    if what == "membership":
        later = run(con, sql.later_membership_events_sql(),
                    {"record_ids": [int(k) for k in keys],
                     "event_id": event["event_id"]}).fetchall()
    else:
        later = run(con, sql.later_edit_events_sql(),
                    {"lead_ids": [int(k[0]) for k in keys],
                     "event_id": event["event_id"]}).fetchall()
    ids = sorted({int(r[0]) for r in later if r[0] is not None}, reverse=True)
    raise InputError(
        f"Event {event['event_id']} ({event['kind']}) cannot be undone: later events "
        f"{ids or '(unknown)'} changed the same {what} ({len(keys)} affected, e.g. {keys[:3]}).",
        fix="Undo those later events first, newest first, then undo this one.",
    )


# --- the story of a lead, and the pool as of a moment -------------------------------------


def lead_history(pool: Pool, lead_id: int, *, mask: bool = True) -> pd.DataFrame:
    """A lead's whole story, oldest first: records joining and leaving, field overrides,
    conflicts, each with its event's kind, actor and reason.

    Values of personal fields (an edited phone, a conflict's candidate names) and phones,
    e-mails and ID numbers quoted in reasons are masked unless `mask=False`.

    Example:
        >>> lead_history(pool, 1)[["kind", "what"]]
             kind    what
        0  import  joined
    """
    with pool.connect(read_only=True) as con:
        frame = run(con, sql.history_rows_sql(), {"lead_id": lead_id}).df()
        undone = undone_events(con)
    if frame.empty:
        raise InputError(f"There is no lead {lead_id} in the pool's history.",
                         fix="Find lead ids with `workbench leads`.")
    frame["undone"] = frame["event_id"].map(lambda e: e in undone if e == e else False)
    if mask:
        frame["detail"] = [_masked_detail(w, d) for w, d in zip(frame["what"], frame["detail"],
                                                                 strict=True)]
        frame["reason"] = frame["reason"].map(mask_free_text)
    return frame


def _masked_detail(what: str, detail: object) -> object:
    """'phone = +8613812345678' → 'phone = 138****5678'; a conflict's candidates and winner
    masked by their field's rule. Details of other fields stay as they are."""
    if not isinstance(detail, str) or what not in ("field set", "conflict"):
        return detail
    if what == "field set":
        field, sep, value = detail.partition(" = ")
        masker = personal_columns([field]).get(field)
        return f"{field}{sep}{masker(value)}" if masker and sep else detail
    field, _, rest = detail.partition(": ")
    masker = personal_columns([field]).get(field)
    if masker is None:
        return detail
    candidates, _, tail = rest.partition(" -> ")
    winner, by, rule = tail.rpartition(" by ")
    try:
        shown = [{**c, "value": masker(c.get("value"))} for c in json.loads(candidates)]
        candidates = json.dumps(shown, ensure_ascii=False)
    except (ValueError, TypeError, AttributeError):
        candidates = "***"
    return f"{field}: {candidates} -> {masker(winner) if winner else ''}{by}{rule}"


def leads_as_of(pool: Pool, when) -> pd.DataFrame:
    """The golden leads as they were at `when` (a datetime or 'YYYY-MM-DD HH:MM:SS').

    Example:
        >>> len(leads_as_of(pool, "2100-01-01 00:00:00")), len(leads_as_of(pool, "2020-01-01"))
        (2478, 0)
    """
    with pool.connect(read_only=True) as con:
        return golden.golden_leads(con, as_of=_moment(when))


def restore_as_of(pool: Pool, when, *, actor: str | None = None,
                  reason: str | None = None) -> ChangeResult:
    """Bring memberships, field overrides, constraints and labels back to their state at
    `when`, as one new (undoable) event. Records and events stay; only what is in force moves.

    Example:
        >>> from datetime import datetime
        >>> from workbench.leads.merge import edit_lead
        >>> before = datetime.now()
        >>> edit_lead(pool, 1, "title", "采购总监", reason="sabotage").event_id
        11
        >>> print(restore_as_of(pool, before, reason="sabotage on 5 May").summary())
        事件 12 restore_as_of：0 条记录换了线索 records moved，1 个线索受影响 leads touched。...
    """
    moment = _moment(when)
    with pool.transaction() as con, Change.begin(con) as change:
        event_id = log_event(con, "restore_as_of", f"time:{moment:%Y-%m-%d %H:%M:%S}",
                             actor=actor, reason=reason, payload={"as_of": str(moment)})
        message = f"线索已恢复 lead restored as of {moment:%Y-%m-%d %H:%M:%S}"
        change.move(sql.membership_restore_sql(), event_id, message=message,
                    params={"as_of": moment})
        rows = run(con, sql.edits_restore_sql(), {"moment": moment}).fetchall()
        at = now()
        for lead, f, value, active in rows:
            run(con, sql.insert_edit_sql(), {"lead_id": lead, "field": f, "value": value,
                                             "active": active, "recorded_at": at,
                                             "event_id": event_id, "actor": actor,
                                             "reason": reason})
        if rows:
            change.touch({r[0] for r in rows})
            change.settle(event_id, message=message)
        run(con, sql.constraints_restore_sql(),
            {"created_at": at, "event_id": event_id, "moment": moment})
        run(con, sql.labels_restore_sql(), {"reviewer": actor or current_actor(),
                                            "labelled_at": at, "event_id": event_id,
                                            "moment": moment})
        return change.result("restore_as_of", event_id)


def _moment(when) -> datetime:
    if isinstance(when, datetime):
        return when
    try:
        return datetime.fromisoformat(str(when).strip())
    except ValueError as err:
        raise InputError(
            f"'{when}' is not a moment in time.",
            fix="Write it as 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD'.",
        ) from err
