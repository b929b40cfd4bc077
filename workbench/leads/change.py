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

import duckdb
import pandas as pd

from workbench.leads import golden, sql
from workbench.leads.survivorship import GOLDEN_FIELDS, Survivorship, select_sql, valid_sql
from workbench.store import sql as store_sql
from workbench.store.log import now
from workbench.store.pool import run

log = logging.getLogger(__name__)


class Change:
    """The working state of one change to leads, inside the caller's transaction.

    Use it as a context manager; `Change.begin` also admits any record that has no lead yet.

    Example:
        >>> with pool.transaction() as con, Change.begin(con) as change:
        ...     event_id = log_event(con, "merge", "cluster:7")
        ...     change.move(pd.DataFrame({"record_id": [3, 8], "lead_id": [3, 3]}), event_id,
        ...                 message="线索已合并 leads merged")
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, rules: Survivorship | None = None):
        self.con = con
        self.rules = rules or golden.load_rules(con)
        self._prefix = f"_change_{uuid.uuid4().hex[:8]}_"
        self._tables: set[str] = set()
        self.state = "current_membership"
        self.before: str | None = None
        self.touched: str | None = None

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
