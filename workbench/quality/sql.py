"""SQL of quality measures and channel governance: scores, the gate, measures per group."""

from __future__ import annotations

from workbench.fields import CHECKED_FIELDS
from workbench.ingest.sql import ok_sql, present_sql
from workbench.store.sql import quote_ident

# --- measures for the quality report ---------------------------------------------------------

# Batch kinds that carry no lead data (scheduled report runs in the sync log).
NON_DATA_KINDS = ("scheduled_run",)


def batch_filter_sql(*, since=None, until=None, channels=None) -> tuple[str, dict]:
    """A CTE `b` of the batches a report covers, with its params by name: $since, $until
    (when given), $channels (a list, when given) and $non_data_kinds."""
    where = ["kind NOT IN (SELECT unnest($non_data_kinds::VARCHAR[]))"]
    params: dict = {"non_data_kinds": list(NON_DATA_KINDS)}
    if since is not None:
        where.append("started_at >= $since")
        params["since"] = since
    if until is not None:
        where.append("started_at < $until")
        params["until"] = until
    if channels:
        where.append("channel IN (SELECT unnest($channels::VARCHAR[]))")
        params["channels"] = list(channels)
    return f"b AS (SELECT * FROM batches WHERE {' AND '.join(where)})", params


def field_counts_sql(batches_cte: str) -> str:
    """Per batch and checked field: records, present values, valid values. Params: those of
    `batches_cte`."""
    selects = "\nUNION ALL\n".join(
        f"SELECT r.batch_id, '{f}' AS field, count(*) AS records, "
        f"count(*) FILTER ({present_sql(f)}) AS present, count(*) FILTER ({ok_sql(f)}) AS valid "
        "FROM records r JOIN b USING (batch_id) GROUP BY r.batch_id"
        for f in CHECKED_FIELDS
    )
    return f"WITH {batches_cte}\n{selects}"


def has_clusters_sql() -> str:
    """Whether the pool has been linked (any clusters)."""
    return "SELECT count(*) > 0 FROM clusters"


def batch_links_sql(batches_cte: str) -> str:
    """Per batch: linked records, duplicates, already known records, new leads.

    A record is a duplicate when its cluster has more than one record, and already known when
    its cluster holds a record of an earlier batch (of any channel, inside the report or not).
    Params: those of `batches_cte`.
    """
    return f"""
WITH {batches_cte},
linked AS (
    SELECT c.record_id, c.cluster_id, r.batch_id
    FROM clusters c JOIN records r USING (record_id)
),
sizes AS (
    SELECT cluster_id, count(*) AS size, min(batch_id) AS first_batch
    FROM linked GROUP BY cluster_id
)
SELECT r.batch_id,
    count(l.record_id) AS linked,
    count(*) FILTER (WHERE s.size > 1) AS duplicates,
    count(*) FILTER (WHERE s.first_batch < r.batch_id) AS known,
    count(DISTINCT l.cluster_id) FILTER (WHERE s.first_batch = r.batch_id) AS new_leads
FROM records r JOIN b USING (batch_id)
LEFT JOIN linked l USING (record_id)
LEFT JOIN sizes s ON s.cluster_id = l.cluster_id
GROUP BY r.batch_id"""


def channel_overlap_sql(batches_cte: str) -> str:
    """Pairs of channels with the number of leads (clusters) that have records from both.
    Params: those of `batches_cte`."""
    return f"""
WITH {batches_cte},
lead_channels AS (
    SELECT DISTINCT c.cluster_id, b.channel
    FROM clusters c JOIN records r USING (record_id) JOIN b USING (batch_id)
)
SELECT x.channel AS channel_a, y.channel AS channel_b, count(*) AS shared
FROM lead_channels x JOIN lead_channels y USING (cluster_id)
GROUP BY 1, 2"""


def problem_rows_sql(batches_cte: str, raw_columns: list[str]) -> str:
    """Records with a problem: rejected, unreachable, or a value that is invalid or abnormal.

    Params: those of `batches_cte`, and $limit (at most this many rows).
    """
    flagged = " OR ".join(
        f"{quote_ident(f + '_status')} IN ('invalid', 'abnormal')" for f in CHECKED_FIELDS
    )
    notes = ", ".join(
        f"CASE WHEN {quote_ident(f + '_status')} IN ('invalid', 'abnormal') "
        f"THEN '{f}: ' || {quote_ident(f + '_status')} END"
        for f in CHECKED_FIELDS
    )
    return f"""
WITH {batches_cte}
SELECT r.batch_id, b.channel, r.record_id, r.source_file, r.source_sheet, r.source_row,
    concat_ws('; ',
        CASE WHEN r.rejected THEN 'rejected: ' || coalesce(r.reject_reason, '') END,
        CASE WHEN NOT coalesce(r.reachable, FALSE) AND NOT coalesce(r.rejected, FALSE)
             THEN 'not reachable' END,
        {notes}) AS problems,
    {', '.join('r.' + quote_ident(c) for c in raw_columns)}
FROM records r JOIN b USING (batch_id)
WHERE coalesce(r.rejected, FALSE) OR NOT coalesce(r.reachable, FALSE) OR {flagged}
ORDER BY r.batch_id, r.record_id
LIMIT $limit"""


def last_scheduled_runs_sql() -> str:
    """When each scheduled job last ran: (channel, latest start) of the batches of kind
    `$kind` (the batch kind of scheduled runs)."""
    return """
SELECT channel, max(started_at) FROM batches WHERE kind = $kind GROUP BY channel"""


