"""SQL the notebooks' widgets read: the sync-log row of a batch, the latest scored pairs, leads
found by a contact, recent events, a cluster's records."""

from __future__ import annotations


def count_records_sql() -> str:
    return "SELECT count(*) FROM records"


def table_exists_sql() -> str:
    return "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = ? AND NOT temporary"


def channel_names_sql() -> str:
    return "SELECT name FROM channels ORDER BY name"


def sync_row_sql() -> str:
    """The sync-log row (批次) of batch `?`."""
    return """
SELECT batch_id, started_at, finished_at, channel, file, status, rows, error_rows, reasons,
       handler, quality_score
FROM batches WHERE batch_id = ?"""


def latest_pairs_sql() -> str:
    """Every stored pair with its latest score: id_l, id_r, match_weight, match_probability,
    gammas (JSON {comparison: level})."""
    return """
SELECT record_id_l AS id_l, record_id_r AS id_r,
       arg_max(match_weight, run_id) AS match_weight,
       arg_max(match_probability, run_id) AS match_probability,
       arg_max(gammas, run_id) AS gammas
FROM pairs GROUP BY record_id_l, record_id_r ORDER BY id_l, id_r"""


def labelled_pairs_sql() -> str:
    """Reviewers' labels in force: id_l, id_r, is_match."""
    return """
SELECT record_id_l AS id_l, record_id_r AS id_r, is_match FROM current_labels"""


def find_leads_sql() -> str:
    """Golden leads whose name, mobile (digits), WeChat, e-mail or company contains `?`.
    Params: text, digits (or NULL), limit."""
    return """
SELECT lead_id, name, phone, wechat, email, company, title, city, owner, members
FROM leads
WHERE name ILIKE '%' || $1 || '%'
   OR wechat ILIKE '%' || $1 || '%'
   OR email ILIKE '%' || $1 || '%'
   OR company ILIKE '%' || $1 || '%'
   OR ($2 IS NOT NULL AND regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')
                          LIKE '%' || $2 || '%')
ORDER BY lead_id LIMIT $3"""


def lead_of_record_sql() -> str:
    return "SELECT lead_id FROM current_membership WHERE record_id = ?"


def lead_row_sql() -> str:
    return "SELECT * FROM leads WHERE lead_id = ?"


def recent_events_sql() -> str:
    """The newest events first. Param: limit."""
    return """
SELECT event_id, happened_at, actor, kind, target, reason
FROM events ORDER BY event_id DESC LIMIT ?"""


def cluster_records_sql(columns: list[str]) -> str:
    """The records `?` (a list of ids) with their current lead, in record order."""
    cols = ", ".join(f"r.{c}" for c in columns)
    return f"""
SELECT r.record_id, m.lead_id, {cols}
FROM records r JOIN current_membership m USING (record_id)
WHERE r.record_id IN (SELECT unnest(?::BIGINT[])) ORDER BY r.record_id"""


def cluster_pairs_sql() -> str:
    """The latest scored pairs among the records `?` (a list of ids), weakest first."""
    return """
SELECT record_id_l, record_id_r, arg_max(match_probability, run_id) AS match_probability,
       arg_max(match_weight, run_id) AS match_weight
FROM pairs
WHERE record_id_l IN (SELECT unnest($1::BIGINT[])) AND record_id_r IN (SELECT unnest($1::BIGINT[]))
GROUP BY record_id_l, record_id_r ORDER BY match_probability, record_id_l, record_id_r"""
