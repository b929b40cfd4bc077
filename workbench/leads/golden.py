"""Golden leads: each lead's best values, chosen from its member records by survivorship rules,
with people's field overrides on top.

The golden leads are computed from the history (membership, records, edits) at any moment.
The `leads` table is their cache: `rebuild` writes it whole, `refresh` replaces the rows of
the leads a change touched; dropping it loses nothing.
"""

from __future__ import annotations

import logging

import duckdb
import pandas as pd

from workbench.errors import SqlError
from workbench.fields import CHECKED_FIELDS
from workbench.leads import sql
from workbench.leads.survivorship import (
    GOLDEN_FIELDS,
    Survivorship,
    finish_sql,
    rank_columns,
    select_sql,
)
from workbench.store import sql as store_sql
from workbench.store.log import log_event
from workbench.store.pool import Pool, run

log = logging.getLogger(__name__)


def load_rules(con: duckdb.DuckDBPyConnection) -> Survivorship:
    """The pool's survivorship rules (`set_rules`), else the standard ones."""
    rows = run(con, sql.rules_sql()).fetchall()
    row = rows[0] if rows else None
    return Survivorship.from_json(row[0]) if row else Survivorship.standard()


def source_columns() -> list[str]:
    """The record columns survivorship reads."""
    statuses = [f"{f}_status" for f in GOLDEN_FIELDS if f in CHECKED_FIELDS]
    return ["record_id", "channel", "updated_at", "entered_at", "phone_type",
            *GOLDEN_FIELDS, *statuses]


def members_sql(rules: Survivorship, *, as_of: bool = False, state: str | None = None,
                touched: str | None = None) -> str:
    """The member records of every lead (of `touched` only, when given), ranked for `rules`,
    with membership from `state` (record_id, lead_id) or the history. Params: $as_of when
    `as_of`."""
    return sql.golden_src_sql(source_columns(), rank_columns(rules), as_of=as_of, state=state,
                              touched=touched)


def golden_leads_sql(rules: Survivorship, *, as_of: bool = False, src: str | None = None) -> str:
    """The golden leads' SELECT, overrides applied. `src` replaces the member records (a
    SELECT or table of `members_sql` rows). Params: $as_of when `as_of`."""
    golden = sql.golden_sql(select_sql(rules), src or members_sql(rules, as_of=as_of))
    return finish_sql(rules, golden, sql.edits_state_sql(as_of))


def golden_leads(con: duckdb.DuckDBPyConnection, *, as_of=None,
                 rules: Survivorship | None = None) -> pd.DataFrame:
    """Every golden lead, now or as of a past moment, computed from the history.

    Example:
        >>> with pool.connect(read_only=True) as con:
        ...     golden_leads(con)[["lead_id", "name", "phone"]].head(3)
           lead_id name           phone
        0        1   李伟  +8615517845194
        1        2  唐思华            None
        2        3  叶明阳  +8619945583067
        >>> with pool.connect(read_only=True) as con:   # before the pool had any lead
        ...     golden_leads(con, as_of="2020-01-01 00:00:00").empty
        True
    """
    rules = rules or load_rules(con)
    params = {"as_of": as_of} if as_of is not None else None
    return run(con, sql.by_lead_sql(golden_leads_sql(rules, as_of=as_of is not None)),
               params).df()


def has_cache(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the `leads` cache exists yet (it is made by the first rebuild)."""
    return bool(run(con, store_sql.table_exists_sql(), {"table": "leads"}).fetchall()[0][0])


def rebuild(con: duckdb.DuckDBPyConnection, rules: Survivorship,
            state: str = "current_membership") -> int:
    """Write the whole `leads` cache from membership `state`; returns the number of leads."""
    src = members_sql(rules, state=state)
    run(con, sql.create_leads_sql(golden_leads_sql(rules, src=src)))
    return run(con, store_sql.count_rows_sql("leads")).fetchall()[0][0]


def refresh(con: duckdb.DuckDBPyConnection, rules: Survivorship, *, touched: str,
            golden: str, state: str) -> None:
    """Replace the cache rows of the leads in `touched` by their golden rows in `golden`."""
    if not has_cache(con):
        rebuild(con, rules, state)
        return
    # The cache rows of the touched leads are replaced; the history they come from is not.
    run(con, sql.delete_leads_sql(touched))
    try:
        run(con, sql.append_leads_sql(
            finish_sql(rules, sql.select_from_sql(golden), sql.edits_state_sql(False))))
    except SqlError:  # the cache's columns predate a change of rules
        rebuild(con, rules, state)


def rebuild_leads(pool: Pool, rules: Survivorship | None = None) -> int:
    """Rebuild the `leads` table (the golden leads) from membership, records and edits.

    `leads` is a cache: dropping and rebuilding it loses nothing. Returns the number of leads.

    Example:
        >>> rebuild_leads(pool)
        2478
    """
    with pool.transaction() as con:
        return rebuild(con, rules or load_rules(con))


def set_rules(pool: Pool, rules: Survivorship, *, actor: str | None = None,
              reason: str | None = None) -> int:
    """Store survivorship rules in the pool and rebuild every golden lead under them.

    Example:
        >>> from workbench.leads.survivorship import FieldRule
        >>> set_rules(pool, Survivorship.standard().with_rule("name", FieldRule("priority")))
        11
    """
    rules.validate()
    with pool.transaction() as con:
        old = load_rules(con)
        event_id = log_event(con, "rules", "survivorship", actor=actor, reason=reason,
                             payload={"before": old.to_json(), "after": rules.to_json()})
        run(con, sql.set_rules_sql(), {"rules": rules.to_json()})
        rebuild(con, rules)
    return event_id


# --- golden leads with their members, for exports ------------------------------------------

_MEMBER_FIELDS = ("name", "phone", "email", "wechat", "company", "title", "city", "owner",
                  "channel", "updated_at")


def leads_frame(con: duckdb.DuckDBPyConnection, batch: int | None = None) -> pd.DataFrame:
    """The golden leads, each followed by its member records, for `export leads`.

    A 'lead' row holds the golden values; the 'record' rows under it hold what each source
    said. With `batch`, only leads with a record from that batch.

    Example:
        >>> with pool.connect(read_only=True) as con:
        ...     leads_frame(con)[["row", "lead_id", "name", "phone"]].head(3)
            row  lead_id name           phone
        0  lead        1   李伟  +8615517845194
        1  record      1   李伟  +8615517845194
        2  lead        2  唐思华            None
    """
    golden = golden_leads(con)
    if batch is not None:
        ids = {int(r[0]) for r in run(con, sql.leads_of_batch_sql(), {"batch_id": batch}).fetchall()}
        golden = golden[golden.lead_id.isin(ids)]
    members = run(con, sql.lead_members_sql(list(_MEMBER_FIELDS))).df()
    members = members[members.lead_id.isin(set(golden.lead_id))]
    lead_rows = golden.copy()
    for c in lead_rows.columns:
        if lead_rows[c].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "tolist")).any():
            lead_rows[c] = lead_rows[c].map(
                lambda v: ", ".join(map(str, list(v))) if v is not None and not isinstance(v, str)
                and hasattr(v, "__iter__") else v)
    # The tags the customer analysis computed (analysis/tags.py), beside the channels' `tags`.
    has_tags = run(con, store_sql.table_exists_sql(), {"table": "lead_tags"}).fetchall()[0][0]
    computed = dict(run(con, sql.computed_tags_sql()).fetchall()) if has_tags else {}
    lead_rows["computed_tags"] = lead_rows["lead_id"].map(computed)
    lead_rows.insert(0, "row", "lead")
    members.insert(0, "row", "record")
    frame = pd.concat([lead_rows, members], ignore_index=True, sort=False)
    frame["_order"] = frame["row"].map({"lead": 0, "record": 1})
    frame = frame.sort_values(["lead_id", "_order", "record_id"], na_position="first",
                              kind="stable").drop(columns="_order")
    frame = frame.astype({"record_id": "Int64", "batch_id": "Int64"})
    first = ["row", "lead_id", "record_id", "batch_id"]
    return frame[first + [c for c in frame.columns if c not in first]].reset_index(drop=True)
