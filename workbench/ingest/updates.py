"""Re-imports as updates: a record that carries a `(channel, source_id)` the pool already knows
is a new version of that customer, so it joins the lead of the earlier record instead of
becoming a new lead (and a duplicate to review). The earlier record stays as it was (the
history keeps every version); survivorship lets the newer values win.
"""

from __future__ import annotations

import logging

import duckdb

from workbench.ingest import sql
from workbench.leads.change import Change
from workbench.store import sql as store_sql
from workbench.store.pool import run

log = logging.getLogger(__name__)


def join_known_source_ids(con: duckdb.DuckDBPyConnection, batch_id: int, event_id: int) -> int:
    """Inside an import's landing transaction, after its records were admitted: move each
    record of `batch_id` whose channel already gave its `source_id` into that record's lead,
    as part of the import's event (undoing the import takes them out again). Returns how many
    records joined an existing lead.

    Example:
        join_known_source_ids(con, batch_id=7, event_id=31)
        12
    """
    with Change(con) as change:
        moves = change.table("updates", sql.source_id_updates_sql(), {"batch_id": batch_id})
        count = run(con, store_sql.count_rows_sql(moves)).fetchall()[0][0]
        if not count:
            return 0
        change.move(f"SELECT record_id, lead_id FROM {moves}", event_id,
                    message="线索已被渠道重新导入更新 lead updated by a re-import of its channel")
    log.info("batch %d: %d records are updates of known customers", batch_id, count)
    return int(count)
