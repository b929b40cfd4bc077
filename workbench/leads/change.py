"""A change to leads: records move between leads, and the golden leads they touch follow.

Which record belongs to which lead is kept in the append-only `membership` table. Every change
(a merge, a review decision, an edit, an undo, a restore) is one event, and inside its
transaction one `Change` carries its working state in tables it owns by name:

- `state`: each record's current lead as this change has left it so far;
- `before`: the same, before the change's moves (for notifying owners who lost a record);
- `touched`: the leads whose members or fields the change altered.

After the moves, `settle` recomputes the touched leads' golden rows, logs the fields on which
their members disagree and tells their owners. The tables are dropped when the change closes.

Why state tables at all: DuckDB 2.0 can miss rows appended earlier in the same transaction once
they exceed a row group (seen with 510,000 moved records), so within a change membership is
read from the change's own state, not from the history it is appending to.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from workbench.leads import golden, sql
from workbench.leads.survivorship import GOLDEN_FIELDS, Survivorship, select_sql, valid_sql
from workbench.store import sql as store_sql
from workbench.store.log import now
from workbench.store.pool import run

log = logging.getLogger(__name__)


@dataclass
class ChangeResult:
    """What one change to leads did: a merge, an edit, review decisions, an undo or a restore.

    Every such change is one event; `event_id` is None when there was nothing to change (and
    no event was written). `commit_merges`, `edit_lead`, `decide`, `decide_pattern`,
    `apply_review`, `undo` and `restore_as_of` all return one.

    Example:
        from workbench.leads.merge import commit_merges
        result = commit_merges(pool, 0.98)
        result.event_id, result.clusters, result.records_moved
        (11, 443, 709)
        print(result.summary())
        事件 11 merge：443 个簇 clusters，709 条记录换了线索 records moved，...
    """

    kind: str  # the event's kind: 'merge', 'edit', 'review', 'undo', 'restore_as_of', ...
    event_id: int | None  # None: nothing changed
    records_moved: int = 0  # records that changed lead
    leads_touched: int = 0  # leads whose members or fields changed (summed over its steps)
    leads_created: int = 0  # leads that had no record before the change and have some now
    leads_retired: int = 0  # leads that had records before the change and have none now
    clusters: int = 0  # clusters merged or decided
    leads: int | None = None  # leads in the pool afterwards, when the operation counts them
    undoes: int | None = None  # for an undo: the event it reversed
    # A review file's outcome (`apply_review`): which clusters were applied, which had been
    # applied from the same file before, which were refused and why, how many had no decision.
    file: str | None = None
    export_id: str | None = None
    applied: list[tuple[int, str]] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    undecided: int = 0

    def summary(self) -> str:
        """A few lines for a person, Chinese first."""
        if self.event_id is None:
            lines = [f"未做任何变更 nothing changed ({self.kind})."]
        else:
            parts = [f"{self.records_moved:,} 条记录换了线索 records moved",
                     f"{self.leads_touched:,} 个线索受影响 leads touched"]
            if self.clusters:
                parts.insert(0, f"{self.clusters:,} 个簇 clusters")
            if self.leads_created:
                parts.append(f"{self.leads_created:,} 个新线索 new leads")
            if self.leads_retired:
                parts.append(f"{self.leads_retired:,} 个线索被并入 leads merged away")
            undoes = f"，撤销了事件 {self.undoes} undoes event {self.undoes}" if self.undoes else ""
            lines = [f"事件 {self.event_id} {self.kind}{undoes}：{'，'.join(parts)}。"
                     f"可撤销 undo with `workbench undo {self.event_id}`."]
        if self.leads is not None:
            lines.append(f"线索池现有 {self.leads:,} 个线索 leads in the pool.")
        if self.file is not None:
            lines.append(f"{self.file}：{len(self.applied)} 个决定已应用 decisions applied, "
                         f"{len(self.already)} 个此前已应用 already applied earlier, "
                         f"{len(self.refused)} 个被拒 refused, {self.undecided} 个簇未决定 "
                         "clusters without a decision.")
            lines += [f"  簇 cluster {c}: 被拒 refused: {why}" for c, why in self.refused]
        return "\n".join(lines)


class Change:
    """The working state of one change to leads, inside the caller's transaction.

    Use it as a context manager; `Change.begin` also admits any record that has no lead yet.

    Example:
        >>> from workbench.store.log import log_event
        >>> with pool.transaction() as con, Change.begin(con) as change:
        ...     event_id = log_event(con, "merge", "cluster:7")
        ...     change.move(pd.DataFrame({"record_id": [3, 8], "lead_id": [3, 3]}), event_id,
        ...                 message="线索已合并 leads merged")
        1
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, rules: Survivorship | None = None):
        self.con = con
        self.rules = rules or golden.load_rules(con)
        self._prefix = f"_change_{uuid.uuid4().hex[:8]}_"
        self._tables: set[str] = set()
        self.state = "current_membership"
        self.before: str | None = None
        self.touched: str | None = None
        self.counts = {"records_moved": 0, "leads_touched": 0, "leads_created": 0,
                       "leads_retired": 0}

    @classmethod
    def begin(cls, con: duckdb.DuckDBPyConnection, rules: Survivorship | None = None) -> Change:
        """A new change that first gives every record without a lead one of its own, and
        fills the `leads` cache for leads it does not hold yet."""
        change = cls(con, rules)
        change.admit()
        return change

    def __enter__(self) -> Change:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Drop the change's tables."""
        for name in self._tables:
            run(self.con, sql.drop_temp_table_sql(name))
        self._tables.clear()

    def table(self, role: str, select: str, params=None) -> str:
        """Make (or replace) the change's table for `role` from `select`; returns its name."""
        name = self._prefix + role
        run(self.con, sql.create_temp_table_sql(name, select), params)
        self._tables.add(name)
        return name

    def frame(self, role: str, data: pd.DataFrame, columns: str = "*") -> str:
        """Make the change's table for `role` from a frame (`columns`: what to select)."""
        view = self._prefix + role + "_frame"
        self.con.register(view, data)
        try:
            return self.table(role, sql.select_from_sql(view, columns))
        finally:
            self.con.unregister(view)

    # --- membership -----------------------------------------------------------------------

    def admit(self) -> int:
        """Give every stored record without a membership row a lead of its own (imports admit
        their own records; this catches any that predate that). Returns how many."""
        count = _admit(self.con, self.rules,
                       self.table("admitted", sql.admissions_sql(batch=False)))
        if count:
            log.info("%d records without a lead became leads", count)
        return count

    def leads_of(self, record_ids: Iterable[int]) -> dict[int, int]:
        """The current lead of each of `record_ids` that has one."""
        rows = run(self.con, sql.leads_of_records_sql(),
                   {"record_ids": list(record_ids)}).fetchall()
        return {int(r): int(lead) for r, lead in rows}

    def move(self, moves: pd.DataFrame | str, event_id: int, *, message: str,
             params=None) -> int:
        """Move records between leads as one step of event `event_id`, then settle.

        Args:
            moves: a frame, or a SELECT (with `params`), of columns record_id, lead_id
                (NULL: no lead).
            event_id: the event the membership rows belong to.
            message: what changed, for the owners' notifications.
            params: the SELECT's parameters.

        Returns:
            How many records changed lead.
        """
        if isinstance(moves, pd.DataFrame):
            moved = self.frame("moves", moves.astype({"record_id": "int64", "lead_id": "Int64"}),
                               "record_id::BIGINT AS record_id, lead_id::BIGINT AS lead_id")
        else:
            moved = self.table("moves", moves, params)
        before = self.table("before", sql.select_from_sql(self.state))
        self.before = before
        self.touched = self.table("touched", sql.touched_by_moves_sql(moved, before))
        rows_before = run(self.con, store_sql.count_rows_sql("membership")).fetchall()[0][0]
        run(self.con, sql.apply_moves_sql(moved, before),
            {"recorded_at": now(), "event_id": event_id})
        changed = (run(self.con, store_sql.count_rows_sql("membership")).fetchall()[0][0]
                   - rows_before)
        self.state = self.table("state", sql.post_state_sql(moved, before))
        self._count_moves(int(changed))
        if run(self.con, store_sql.count_rows_sql("edits")).fetchall()[0][0]:
            # a person's override must not vanish because its lead was merged into another
            run(self.con, sql.carry_edits_sql(before, self.state, self.touched),
                {"recorded_at": now(), "event_id": event_id})
        self.settle(event_id, message=message)
        return int(changed)

    def touch(self, lead_ids: Iterable[int]) -> None:
        """Mark leads as touched by this change (their fields changed, not their members)."""
        frame = pd.DataFrame({"lead_id": [int(x) for x in lead_ids]}, dtype="int64")
        self.touched = self.frame("touched", frame, "DISTINCT lead_id")

    def settle(self, event_id: int, *, message: str, conflicts: bool = True) -> None:
        """Recompute the touched leads' golden rows and notify their owners; when their
        members changed (`conflicts`), log the fields on which the members disagree."""
        if self.touched is None:
            return
        self.counts["leads_touched"] += run(
            self.con, store_sql.count_rows_sql(self.touched)).fetchall()[0][0]
        src = self.table("src", golden.members_sql(self.rules, state=self.state,
                                                  touched=self.touched))
        rows = self.table("golden", sql.golden_sql(select_sql(self.rules),
                                                  sql.select_from_sql(src)))
        if conflicts:
            # Totals and tag lists combine their members' values: no value wins, none conflicts.
            fields = [f for f in GOLDEN_FIELDS
                      if self.rules.rule_for(f).rule not in ("sum_channels", "union")]
            run(self.con, sql.conflicts_sql(src, rows, fields, {f: valid_sql(f) for f in fields},
                                            {f: self.rules.rule_for(f).rule for f in fields}),
                {"logged_at": now(), "event_id": event_id})
        golden.refresh(self.con, self.rules, touched=self.touched, golden=rows, state=self.state)
        run(self.con, sql.notify_owners_sql(self.touched, self.before or self.state, self.state),
            {"created_at": now(), "message": message,
             "payload": json.dumps({"event_id": event_id}), "event_id": event_id})


    def _count_moves(self, moved: int) -> None:
        """Add a step's moves to the change's counts: records moved, leads created/retired."""
        created, retired = run(self.con, sql.lead_counts_sql(self.touched, self.before,
                                                          self.state)).fetchall()[0]
        self.counts["records_moved"] += moved
        self.counts["leads_created"] += int(created)
        self.counts["leads_retired"] += int(retired)

    def result(self, kind: str, event_id: int | None, **extra) -> ChangeResult:
        """The change's `ChangeResult` so far, for event `event_id` of `kind`."""
        return ChangeResult(kind, event_id, **self.counts, **extra)


def admit_batch(con: duckdb.DuckDBPyConnection, batch_id: int, event_id: int) -> int:
    """Make the stored records of a newly landed batch leads of their own, tagged with the
    import's event (so that undoing the import takes them out again), and put them in the
    golden-lead cache at once. Called by the import inside its landing transaction."""
    with Change(con) as change:
        admitted = change.table("admitted", sql.admissions_sql(batch=True),
                                {"batch_id": batch_id, "event_id": event_id})
        return _admit(con, change.rules, admitted)


def _admit(con: duckdb.DuckDBPyConnection, rules: Survivorship, admitted: str) -> int:
    """Append the membership rows in `admitted` and their one-record leads to the cache. The
    new leads are read from `admitted` rather than from the rows just appended (see the
    module's note on DuckDB)."""
    count = run(con, store_sql.count_rows_sql(admitted)).fetchall()[0][0]
    if not count:
        return 0
    run(con, sql.append_membership_sql(admitted))
    if golden.has_cache(con):
        src = f"({golden.members_sql(rules, state=admitted)})"
        run(con, sql.append_leads_sql(golden.golden_leads_sql(rules, src=src)))
    return int(count)
