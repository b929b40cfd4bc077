"""Finding leads and reading them for a screen: by contact or name, a lead as it is now, recent
events, the review queue in the order a reviewer works through it, and a merge previewed.

Everything here reads; `preview_golden` applies a merge inside a transaction it rolls back.
"""

from __future__ import annotations

import re

import pandas as pd

from workbench.leads import golden, sql
from workbench.leads.change import Change
from workbench.leads.decisions import Decision, apply_decisions
from workbench.leads.review import SHOWN_FIELDS, review_queue
from workbench.privacy.masking import mask_free_text
from workbench.store.log import undone_events
from workbench.store.pool import Pool, run, transaction


def ensure_leads(pool: Pool) -> None:
    """Build the golden-lead cache when the pool has none yet, and give any record without a
    lead one of its own (the cache only: no lead changes)."""
    with pool.transaction() as con:
        if not golden.has_cache(con):
            golden.rebuild(con, golden.load_rules(con))
        else:
            with Change(con) as change:
                change.admit()


def find_leads(pool: Pool, query: str, *, limit: int = 50) -> pd.DataFrame:
    """Golden leads whose name, mobile, WeChat, e-mail or company contains `query`.

    A query with four or more digits also matches mobiles written any way (138-1234-5678,
    +86 138…), since only the digits are compared.

    Example:
        >>> len(find_leads(pool, "李伟"))
        8
        >>> find_leads(pool, "1551784")[["lead_id", "name", "phone"]]
           lead_id name           phone
        0        1   李伟  +8615517845194
    """
    text = (query or "").strip()
    if not text:
        return pd.DataFrame(columns=["lead_id", "name", "phone", "wechat", "email", "company"])
    digits = re.sub(r"\D", "", text)
    ensure_leads(pool)
    with pool.connect(read_only=True) as con:
        return run(con, sql.find_leads_sql(),
                   {"text": text, "digits": digits if len(digits) >= 4 else None,
                    "limit": int(limit)}).df()


def recent_events(pool: Pool, limit: int = 20, *, mask: bool = True) -> pd.DataFrame:
    """The newest events first, with whether each is still in force (not undone).

    Phones, e-mails and ID numbers quoted in targets and reasons are masked unless
    `mask=False`.

    Example:
        recent_events(pool, 5)[["event_id", "kind", "reason", "undone"]]
    """
    with pool.connect(read_only=True) as con:
        frame = run(con, sql.recent_events_sql(), {"limit": int(limit)}).df()
        undone = undone_events(con)
    frame["undone"] = frame["event_id"].isin(undone)
    frame["undoes"] = [None if pd.isna(e) else int(e) for e in frame["undoes"]]
    if mask:
        for column in ("target", "reason"):
            frame[column] = frame[column].map(mask_free_text)
    return frame


def lead_row(pool: Pool, lead_id: int) -> dict:
    """The golden lead as it is now (an empty dict when there is none)."""
    ensure_leads(pool)
    with pool.connect(read_only=True) as con:
        frame = run(con, sql.lead_row_sql(), {"lead_id": int(lead_id)}).df()
    return {} if frame.empty else frame.iloc[0].to_dict()


def lead_of_record(pool: Pool, record_id: int) -> int | None:
    """The lead a record belongs to now (None when it has none)."""
    with pool.connect(read_only=True) as con:
        rows = run(con, sql.lead_of_record_sql(), {"record_id": int(record_id)}).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def ordered_queue(pool: Pool) -> pd.DataFrame:
    """The pending clusters, most useful first: the least certain (weakest pair nearest a
    match probability of 0.5) at the top, clusters without a scored pair last.

    Example:
        >>> queue = ordered_queue(pool)
        >>> queue["uncertainty"].is_monotonic_increasing
        True
    """
    queue = review_queue(pool)
    queue["uncertainty"] = (queue["p_min"].astype(float) - 0.5).abs().fillna(1.0)
    return queue.sort_values(["uncertainty", "cluster_id"], kind="stable",
                             ignore_index=True)


def cluster_records(pool: Pool, record_ids) -> pd.DataFrame:
    """The records of a cluster with their current lead and the fields a reviewer compares."""
    with pool.connect(read_only=True) as con:
        return run(con, sql.cluster_records_sql(list(SHOWN_FIELDS)),
                   {"record_ids": [int(r) for r in record_ids]}).df()


def preview_golden(pool: Pool, record_ids) -> dict:
    """The golden lead the records would make if merged now, by the pool's survivorship rules.

    The merge is really applied inside a transaction and rolled back, so the preview is what
    the merge will give, field by field, without writing anything.

    Example:
        >>> preview_golden(pool, [922, 1909])["phone"]
        '+8613771437594'
    """
    ids = [int(r) for r in record_ids]
    with pool.connect() as con, transaction(con, commit=False):
        apply_decisions(con, [Decision(0, tuple(ids), "merge")], reason="preview")
        lead = run(con, sql.lead_of_record_sql(), {"record_id": ids[0]}).fetchone()[0]
        row = run(con, sql.lead_row_sql(), {"lead_id": lead}).df()
    return {} if row.empty else row.iloc[0].to_dict()
