"""Merge: records become golden leads, and decisions on clusters change which lead they join.

Which record belongs to which lead is kept in the append-only `membership` table. Every
stored record starts as a lead of its own; a merge moves the records of a cluster into one
lead, a split moves the chosen records out again, and 'not duplicates' keeps them apart. Each
of these is one event: the rows it wrote are tagged with it, and undo restores what was
there before. After every change the touched leads' golden records are rebuilt, their
conflicts logged, and their owners told.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from .errors import InputError, SqlError
from .fields import CHECKED_FIELDS
from .history import log_event, now
from .pool import Pool, current_actor, run
from .sql import history as sql
from .survivorship import (
    GOLDEN_FIELDS,
    Survivorship,
    finish_sql,
    rank_columns,
    select_sql,
    valid_sql,
)

log = logging.getLogger(__name__)

DECISIONS: tuple[str, ...] = ("merge", "split", "not_duplicates", "skip")
DEFAULT_THRESHOLD = 0.95


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one proposed cluster.

    Args:
        cluster_id: the cluster as linkage proposed it.
        record_ids: the cluster's records when it was shown to the reviewer.
        decision: 'merge', 'split', 'not_duplicates' or 'skip'.
        leaving: for a split, the records that leave the cluster (each becomes its own lead).
        pattern: the cluster's conflict pattern, when the decision was made for a pattern.
    """

    cluster_id: int
    record_ids: tuple[int, ...]
    decision: str
    leaving: tuple[int, ...] = field(default_factory=tuple)
    pattern: str | None = None

    def check(self) -> None:
        if self.decision not in DECISIONS:
            raise InputError(
                f"Unknown decision '{self.decision}' for cluster {self.cluster_id}.",
                fix=f"Use one of: {', '.join(DECISIONS)}.",
            )
        stray = set(self.leaving) - set(self.record_ids)
        if stray:
            raise InputError(
                f"Records {sorted(stray)} are to leave cluster {self.cluster_id}, "
                f"but it holds only {sorted(self.record_ids)}.",
                fix="Pick the leaving records among the cluster's own.",
            )
        if self.decision == "split" and not self.leaving:
            raise InputError(
                f"A split of cluster {self.cluster_id} needs the records that leave.",
                fix="Mark at least one record to leave, or decide 'not_duplicates'.",
            )


def signature(record_ids: Iterable[int]) -> str:
    """The cluster's identity for decisions: its sorted record ids, '3,8,21'."""
    return ",".join(str(r) for r in sorted(set(int(r) for r in record_ids)))


# --- rules stored in the pool -------------------------------------------------------------


def load_rules(con: duckdb.DuckDBPyConnection) -> Survivorship:
    """The pool's survivorship rules (`set_rules`), else the standard ones."""
    rows = run(con, sql.rules_sql()).fetchall()
    row = rows[0] if rows else None
    return Survivorship.from_json(row[0]) if row else Survivorship.standard()


def set_rules(pool: Pool, rules: Survivorship, *, actor: str | None = None,
              reason: str | None = None) -> int:
    """Store survivorship rules in the pool and rebuild every golden lead under them.

    Example:
        >>> set_rules(pool, Survivorship.standard().with_rule("name", FieldRule("priority")))
    """
    rules.validate()
    with pool.transaction() as con:
        old = load_rules(con)
        event_id = log_event(con, "rules", "survivorship", actor=actor, reason=reason,
                             payload={"before": old.to_json(), "after": rules.to_json()})
        run(con, sql.set_rules_sql(), [rules.to_json()])
        _rebuild(con, rules)
    return event_id


# --- membership ---------------------------------------------------------------------------


def admit_records(con: duckdb.DuckDBPyConnection) -> int:
    """Give every newly imported, unrejected record a lead of its own. Returns how many.

    Called at the start of every change (and by an import's event), so it also starts the
    change's own view of membership afresh.
    """
    run(con, "DROP TABLE IF EXISTS _state")
    run(con, "DROP TABLE IF EXISTS _pre")
    run(con, sql.admit_records_sql())
    admitted = run(con, "SELECT count(*) FROM _admit").fetchall()[0][0]
    if not admitted:
        return 0
    run(con, "INSERT INTO membership SELECT * FROM _admit").fetchall()
    if _has_leads_table(con):
        # the new leads join the golden leads at once, read from `_admit` rather than the
        # rows just appended (see `apply_moves`)
        rules = load_rules(con)
        run(con, "CREATE OR REPLACE TEMP TABLE _touched AS SELECT lead_id FROM _admit")
        run(con, "CREATE OR REPLACE TEMP TABLE _src AS "
            + sql.golden_src_sql(_src_columns(), rank_columns(rules), as_of=False,
                                 only_touched=True, state="_admit"))
        run(con, "CREATE OR REPLACE TEMP TABLE _golden AS "
            + sql.golden_sql(select_sql(rules), "SELECT * FROM _src"))
        _refresh(con, rules)
    log.info("%d new records became leads", admitted)
    return admitted


def _has_leads_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(run(con, "SELECT count(*) FROM information_schema.tables "
                         "WHERE table_name = 'leads' AND table_schema = 'main'").fetchall()[0][0])


def current_leads_of(con: duckdb.DuckDBPyConnection, record_ids: Sequence[int]) -> dict[int, int]:
    """The current lead of each record that has one."""
    rows = run(con, sql.leads_of_records_sql(), [list(record_ids)]).fetchall()
    return {int(r): int(lead) for r, lead in rows}


def apply_moves(con: duckdb.DuckDBPyConnection, moves: pd.DataFrame | str, event_id: int,
                *, message: str, rules: Survivorship | None = None) -> int:
    """Move records between leads as one step of event `event_id`, then refresh what it touched.

    Args:
        con: a connection inside the event's transaction.
        moves: a frame or a SELECT with columns record_id, lead_id (NULL: no lead).
        event_id: the event the rows belong to.
        message: what changed, for the owners' notifications.
        rules: survivorship rules; the pool's own by default.

    Returns:
        How many records changed lead.
    """
    if isinstance(moves, pd.DataFrame):
        con.register("_moves_frame", moves.astype({"record_id": "int64", "lead_id": "Int64"}))
        source = "SELECT record_id::BIGINT AS record_id, lead_id::BIGINT AS lead_id FROM _moves_frame"
    else:
        source = moves
    run(con, f"CREATE OR REPLACE TEMP TABLE _moves AS {source}")
    if isinstance(moves, pd.DataFrame):
        con.unregister("_moves_frame")
    # Within this transaction, membership is read from temp tables only: DuckDB 2.0 can miss
    # rows appended earlier in the same transaction once they exceed a row group (seen with
    # 510,000 moved records), so the state after the moves is kept beside the history.
    run(con, f"CREATE OR REPLACE TEMP TABLE _pre AS SELECT * FROM {_state_table(con)}")
    run(con, sql.touched_by_moves_sql())
    before = run(con, "SELECT count(*) FROM membership").fetchall()[0][0]
    run(con, sql.apply_moves_sql("_pre"), [now(), event_id]).fetchall()
    changed = run(con, "SELECT count(*) FROM membership").fetchall()[0][0] - before
    run(con, f"CREATE OR REPLACE TEMP TABLE _state AS {sql.post_state_sql('_pre')}")
    if run(con, "SELECT count(*) FROM edits").fetchall()[0][0]:
        # a person's override must not vanish because its lead was merged into another
        run(con, sql.carry_edits_sql(), [now(), event_id]).fetchall()
    after_change(con, event_id, message=message, rules=rules)
    return changed


def _has_temp(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(run(con, "SELECT count(*) FROM duckdb_tables() WHERE temporary "
                         "AND table_name = ?", [name]).fetchall()[0][0])


def _state_table(con: duckdb.DuckDBPyConnection) -> str:
    """Where this change reads each record's current lead: the state it has built so far,
    else the membership history."""
    return "_state" if _has_temp(con, "_state") else "current_membership"


def after_change(con: duckdb.DuckDBPyConnection, event_id: int, *, message: str,
                 rules: Survivorship | None = None, conflicts: bool = True) -> None:
    """Rebuild and notify owners of the leads in temp table `_touched`; when their members
    changed (`conflicts`), log the fields on which the members disagree."""
    rules = rules or load_rules(con)
    state = _state_table(con)
    run(con, "CREATE OR REPLACE TEMP TABLE _src AS "
        + sql.golden_src_sql(_src_columns(), rank_columns(rules), as_of=False,
                             only_touched=True, state=state))
    run(con, "CREATE OR REPLACE TEMP TABLE _golden AS "
        + sql.golden_sql(select_sql(rules), "SELECT * FROM _src"))
    if conflicts:
        log_conflicts(con, event_id, rules)
    _refresh(con, rules)
    before = "_pre" if _has_temp(con, "_pre") else state
    run(con, sql.notify_owners_sql(before, state),
        [now(), message, json.dumps({"event_id": event_id}), event_id])


def touch(con: duckdb.DuckDBPyConnection, lead_ids: Iterable[int]) -> None:
    """Mark leads as touched by the current change (temp table `_touched`)."""
    con.register("_touch_frame", pd.DataFrame({"lead_id": [int(x) for x in lead_ids]},
                                               dtype="int64"))
    run(con, "CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT lead_id FROM _touch_frame")
    con.unregister("_touch_frame")


# --- golden leads -------------------------------------------------------------------------


def _src_columns() -> list[str]:
    statuses = [f"{f}_status" for f in GOLDEN_FIELDS if f in CHECKED_FIELDS]
    return ["record_id", "channel", "updated_at", "entered_at", "phone_type",
            *GOLDEN_FIELDS, *statuses]


def golden_leads_sql(rules: Survivorship, *, as_of: bool = False,
                     only_touched: bool = False, src: str | None = None) -> str:
    """The golden leads' SELECT; params: as_of twice when `as_of`. `src` replaces the member
    records (e.g. a temp table of the touched leads' members)."""
    src = src or sql.golden_src_sql(_src_columns(), rank_columns(rules), as_of=as_of,
                                    only_touched=only_touched)
    golden = sql.golden_sql(select_sql(rules), src)
    return finish_sql(rules, golden, sql.edits_state_sql(as_of))


def golden_leads(con: duckdb.DuckDBPyConnection, *, as_of=None,
                 rules: Survivorship | None = None) -> pd.DataFrame:
    """Every golden lead, now or as of a past moment, computed from the history.

    Example:
        >>> golden_leads(con, as_of="2026-05-01 12:00:00")[["lead_id", "name", "phone"]]
    """
    rules = rules or load_rules(con)
    params = [as_of, as_of] if as_of is not None else None
    return run(con, golden_leads_sql(rules, as_of=as_of is not None) + " ORDER BY lead_id",
               params).df()


def _rebuild(con: duckdb.DuckDBPyConnection, rules: Survivorship) -> int:
    src = sql.golden_src_sql(_src_columns(), rank_columns(rules), as_of=False,
                             only_touched=False, state=_state_table(con))
    run(con, f"CREATE OR REPLACE TABLE leads AS {golden_leads_sql(rules, src=src)}")
    return run(con, "SELECT count(*) FROM leads").fetchall()[0][0]


def rebuild_leads(pool: Pool, rules: Survivorship | None = None) -> int:
    """Rebuild the `leads` table (the golden leads) from membership, records and edits.

    `leads` is a cache: dropping and rebuilding it loses nothing. Returns the number of leads.

    Example:
        >>> rebuild_leads(pool)
        8123
    """
    with pool.transaction() as con:
        admit_records(con)
        return _rebuild(con, rules or load_rules(con))


def _refresh(con: duckdb.DuckDBPyConnection, rules: Survivorship) -> None:
    if not _has_leads_table(con):
        _rebuild(con, rules)
        return
    # The cache rows of the touched leads are replaced; the history they come from is not.
    run(con, "DELETE FROM leads WHERE lead_id IN (SELECT lead_id FROM _touched)")
    try:
        run(con, "INSERT INTO leads BY NAME "
            + finish_sql(rules, "SELECT * FROM _golden", sql.edits_state_sql(False)))
    except SqlError:  # the cache's columns predate a change of rules
        _rebuild(con, rules)


def log_conflicts(con: duckdb.DuckDBPyConnection, event_id: int, rules: Survivorship) -> int:
    """Write every field on which a touched lead's members disagree to `conflicts`.

    Reads temp tables `_src` (the members) and `_golden` (the winners) of `after_change`.
    """
    before = run(con, "SELECT count(*) FROM conflicts").fetchall()[0][0]
    fields = list(GOLDEN_FIELDS)
    run(con, sql.conflicts_sql(fields, {f: valid_sql(f) for f in fields},
                               {f: rules.rule_for(f).rule for f in fields}),
        [now(), event_id])
    return run(con, "SELECT count(*) FROM conflicts").fetchall()[0][0] - before


# --- decisions ----------------------------------------------------------------------------


def _pairs(ids: Iterable[int]) -> list[tuple[int, int]]:
    return [(min(a, b), max(a, b)) for a, b in itertools.combinations(sorted(set(ids)), 2)]


def apply_decisions(con: duckdb.DuckDBPyConnection, decisions: Sequence[Decision], *,
                    actor: str | None = None, reason: str | None = None,
                    export_id: str | None = None, kind: str = "review") -> int:
    """Apply reviewers' decisions as one event: membership moves, labels and constraints.

    Merge joins the cluster's records into one lead (must link); split moves the leaving
    records into leads of their own (cannot link to those who stay); not duplicates gives each
    record its own lead (cannot link, pairwise); skip only records that it was seen. Pair
    labels (match / not a match) feed the linkage model.

    Returns:
        The event id, which undoes the whole batch of decisions at once.

    Example:
        >>> with pool.transaction() as con:
        ...     apply_decisions(con, [Decision(7, (3, 8), "merge")], reason="same mobile")
    """
    for d in decisions:
        d.check()
    actor = actor or current_actor()
    admit_records(con)
    counts = {k: sum(d.decision == k for d in decisions) for k in DECISIONS}
    event_id = log_event(
        con, kind,
        f"clusters:{len(decisions)}" if len(decisions) != 1 else f"cluster:{decisions[0].cluster_id}",
        actor=actor, reason=reason,
        payload={"counts": counts, "export_id": export_id,
                 "decisions": [[d.cluster_id, d.decision, list(d.leaving)] for d in decisions[:1000]]},
    )
    at = now()
    moves: dict[int, int] = {}
    labels: list[tuple] = []
    constraints: list[tuple] = []
    all_ids = sorted({r for d in decisions for r in d.record_ids})
    leads = current_leads_of(con, all_ids)
    next_lead = run(con, sql.max_lead_id_sql()).fetchall()[0][0] + 1
    for d in decisions:
        run(con, sql.insert_decision_sql(),
            [at, actor, d.cluster_id, signature(d.record_ids), d.decision,
             json.dumps(sorted(d.leaving)) if d.leaving else None, d.pattern, export_id,
             event_id])
        ids = [r for r in sorted(set(d.record_ids)) if r in leads]
        if d.decision == "skip" or len(ids) < 1:
            continue
        leaving = set(d.leaving) if d.decision == "split" else set()
        staying = [r for r in ids if r not in leaving]
        if d.decision in ("merge", "split") and staying:
            target = min(leads[r] for r in staying)
            for r in staying:
                moves[r] = target
                leads[r] = target
            labels += [(a, b, True) for a, b in _pairs(staying)]
            constraints += [(min(staying[0], r), max(staying[0], r), "must_link")
                            for r in staying[1:]]
        if d.decision == "split":
            # A leaver that shares its lead with a stayer (or another leaver) gets a new lead.
            crowded = {leads[s] for s in staying} | {
                lead for lead in (leads[r] for r in leaving & set(ids))
                if sum(1 for x in leaving & set(ids) if leads[x] == lead) > 1}
            crowded |= set(_other_members(con, [leads[r] for r in leaving & set(ids)], ids))
            for r in sorted(leaving & set(ids)):
                labels += [(min(r, s), max(r, s), False) for s in staying]
                constraints += [(min(r, s), max(r, s), "cannot_link") for s in staying]
                if leads[r] in crowded:
                    moves[r] = next_lead
                    leads[r] = next_lead
                    next_lead += 1
        if d.decision == "not_duplicates":
            labels += [(a, b, False) for a, b in _pairs(ids)]
            constraints += [(a, b, "cannot_link") for a, b in _pairs(ids)]
            seen: set[int] = set()
            for r in ids:
                if leads[r] in seen:
                    moves[r] = next_lead
                    leads[r] = next_lead
                    next_lead += 1
                seen.add(leads[r])
    if labels:
        con.executemany(sql.insert_label_sql(),
                        [[a, b, m, actor, at, event_id, True] for a, b, m in labels])
    if constraints:
        con.executemany(sql.insert_constraint_sql(),
                        [[a, b, k, at, event_id, True] for a, b, k in constraints])
    if moves:
        frame = pd.DataFrame({"record_id": list(moves), "lead_id": list(moves.values())})
        apply_moves(con, frame, event_id, message=_message(counts, actor))
    return event_id


def _other_members(con: duckdb.DuckDBPyConnection, lead_ids: list[int],
                   record_ids: list[int]) -> list[int]:
    """Those of `lead_ids` that hold records other than `record_ids`."""
    rows = run(con, sql.leads_with_others_sql(), [list(lead_ids), list(record_ids)]).fetchall()
    return [int(r[0]) for r in rows]


def _message(counts: dict[str, int], actor: str) -> str:
    done = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    return f"线索已变更 lead changed: review by {actor} ({done})"


def decide(pool: Pool, decisions: Decision | Sequence[Decision], *, actor: str | None = None,
           reason: str | None = None) -> int:
    """Apply one decision or a batch of them in one transaction; returns the event id.

    Example:
        >>> decide(pool, Decision(7, (3, 8, 11), "split", leaving=(11,)), reason="different person")
    """
    items = [decisions] if isinstance(decisions, Decision) else list(decisions)
    with pool.transaction() as con:
        return apply_decisions(con, items, actor=actor, reason=reason)


# --- committing safe merges ---------------------------------------------------------------


def commit_merges(pool: Pool, threshold: float = DEFAULT_THRESHOLD, *,
                  actor: str | None = None, reason: str | None = None) -> dict:
    """Merge every pending cluster that is safe at `threshold`, as one undoable event.

    A cluster is safe when every scored pair inside it has at least `threshold` match
    probability, no constraint keeps two of its records apart, and no reviewer decided it
    otherwise. Each merged cluster becomes one lead (the smallest lead id of its records).

    Returns:
        {'event_id', 'clusters', 'records_moved', 'leads'}.

    Example:
        >>> commit_merges(pool, 0.98, reason="nightly auto-merge")
        {'event_id': 41, 'clusters': 1200, 'records_moved': 1730, 'leads': 80213}
    """
    from .history import undone_events

    with pool.transaction() as con:
        admit_records(con)
        undone = sorted(undone_events(con))
        run(con, f"CREATE OR REPLACE TEMP TABLE _safe AS {sql.safe_clusters_sql()}",
            [threshold, undone])
        n = run(con, "SELECT count(*) FROM _safe").fetchall()[0][0]
        if n == 0:
            return {"event_id": None, "clusters": 0, "records_moved": 0,
                    "leads": run(con, "SELECT count(DISTINCT lead_id) FROM current_membership")
                    .fetchall()[0][0]}
        event_id = log_event(con, "merge", f"clusters:{n}", actor=actor, reason=reason,
                             payload={"threshold": threshold, "clusters": n})
        moved = apply_moves(con, sql.merge_safe_moves_sql(),
            event_id, message=f"线索已合并 leads merged automatically at {threshold:g}")
        leads = run(con, "SELECT count(*) FROM leads").fetchall()[0][0]
    log.info("merged %d clusters (%d records moved)", n, moved)
    return {"event_id": event_id, "clusters": int(n), "records_moved": int(moved),
            "leads": int(leads)}


# --- field edits --------------------------------------------------------------------------


def edit_lead(pool_or_con, lead_id: int, field_name: str, value: str | None, *,
              actor: str | None = None, reason: str | None = None, kind: str = "edit") -> int:
    """Override one field of one lead (a person's correction or a rule's fix); returns the event.

    `value=None` removes an earlier override, so the field follows survivorship again.

    Example:
        >>> edit_lead(pool, 42, "title", "采购总监", reason="called the customer")
    """
    if field_name not in GOLDEN_FIELDS:
        raise InputError(f"'{field_name}' is not a field of a lead.",
                         fix=f"Use one of: {', '.join(GOLDEN_FIELDS)}.")
    if isinstance(pool_or_con, Pool):
        with pool_or_con.transaction() as con:
            return edit_lead(con, lead_id, field_name, value, actor=actor, reason=reason,
                             kind=kind)
    con = pool_or_con
    admit_records(con)
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
    touch(con, [lead_id])
    what = f"{field_name} = {value}" if value is not None else f"{field_name} override removed"
    after_change(con, event_id, message=f"线索已修改 lead edited by {actor}: {what}",
                 conflicts=False)
    return event_id


# --- export -------------------------------------------------------------------------------

_MEMBER_FIELDS = ("name", "phone", "email", "wechat", "company", "title", "city", "owner",
                  "channel", "updated_at")


def leads_frame(con: duckdb.DuckDBPyConnection, batch: int | None = None) -> pd.DataFrame:
    """The golden leads, each followed by its member records, for `export leads`.

    A 'lead' row holds the golden values; the 'record' rows under it hold what each source
    said. With `batch`, only leads with a record from that batch.

    Example:
        >>> leads_frame(con).query("row == 'lead'")[["lead_id", "name", "phone"]]
    """
    golden = golden_leads(con)
    if batch is not None:
        ids = {int(r[0]) for r in run(con, sql.leads_of_batch_sql(), [batch]).fetchall()}
        golden = golden[golden.lead_id.isin(ids)]
    members = run(con, sql.lead_members_sql(list(_MEMBER_FIELDS))).df()
    members = members[members.lead_id.isin(set(golden.lead_id))]
    lead_rows = golden.copy()
    for c in lead_rows.columns:
        if lead_rows[c].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "tolist")).any():
            lead_rows[c] = lead_rows[c].map(
                lambda v: ", ".join(map(str, list(v))) if v is not None and not isinstance(v, str)
                and hasattr(v, "__iter__") else v)
    lead_rows.insert(0, "row", "lead")
    members.insert(0, "row", "record")
    frame = pd.concat([lead_rows, members], ignore_index=True, sort=False)
    frame["_order"] = frame["row"].map({"lead": 0, "record": 1})
    frame = frame.sort_values(["lead_id", "_order", "record_id"], na_position="first",
                              kind="stable").drop(columns="_order")
    frame = frame.astype({"record_id": "Int64", "batch_id": "Int64"})
    first = ["row", "lead_id", "record_id", "batch_id"]
    return frame[first + [c for c in frame.columns if c not in first]].reset_index(drop=True)
