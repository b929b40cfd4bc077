"""The analysis's SQL: channel costs and their history, the touches of each lead, tags.

Values go in as `$name` parameters; the tables are defined in `store/schema.py` (ANALYSIS_DDL).
"""

from __future__ import annotations


def current_costs_sql() -> str:
    """The spend in force of every channel and month (channel, month, spend)."""
    return "SELECT channel, month, spend FROM current_channel_costs ORDER BY channel, month"


def cost_history_sql() -> str:
    """Every change of a channel's monthly spend, oldest first, with the event that made it."""
    return """
SELECT c.seq, c.channel, c.month, c.spend, c.recorded_at, c.source_file, c.source_row,
       c.event_id, e.actor
FROM channel_costs c LEFT JOIN events e USING (event_id)
ORDER BY c.seq"""


def next_cost_seq_sql() -> str:
    """The next sequence number of `channel_costs`."""
    return "SELECT coalesce(max(seq), 0) + 1 FROM channel_costs"


def insert_costs_sql(table: str) -> str:
    """Append the cost rows of the registered frame `table` (seq, channel, month, spend,
    source_file, source_row), stamped with $recorded_at and $event_id."""
    return f"""
INSERT INTO channel_costs (seq, channel, month, spend, recorded_at, event_id, source_file,
                           source_row)
SELECT seq, channel, month, CAST(spend AS DECIMAL(18, 2)), $recorded_at, $event_id,
       source_file, source_row
FROM {table}"""


def touches_sql() -> str:
    """When each lead first came from each of its channels (lead_id, channel, touched_at as
    'YYYY-MM-DD HH:MM:SS' text, records: how many of its records that channel sent): a
    record's registration time if the channel sent one, else its update time, else when it
    was imported."""
    return """
SELECT m.lead_id, r.channel, count(*) AS records,
       min(coalesce(r.registered_at, r.updated_at,
                    strftime(r.entered_at, '%Y-%m-%d %H:%M:%S'))) AS touched_at
FROM current_membership m JOIN records r USING (record_id)
WHERE m.lead_id IS NOT NULL AND r.channel IS NOT NULL
GROUP BY m.lead_id, r.channel
ORDER BY m.lead_id, touched_at, r.channel"""


def customers_sql(golden: str = "leads") -> str:
    """The customer fields of every golden lead, from the `leads` cache or from `golden` (a
    SELECT of golden leads computed from the history)."""
    src = golden if golden == "leads" else f"({golden})"
    return f"""
SELECT lead_id, name, phone, city, channels, members, registered_at, last_order_at, orders,
       total_amount, status, tags
FROM {src} ORDER BY lead_id"""


def current_tags_sql() -> str:
    """The computed tags in force (lead_id, tag, rule, recorded_at)."""
    return "SELECT lead_id, tag, rule, recorded_at FROM current_lead_tags ORDER BY lead_id, tag"


def tag_history_sql() -> str:
    """Every change of computed tags, oldest first (seq, lead_id, tag, active, rule,
    recorded_at, event_id); of one lead when $lead_id is given (NULL: all)."""
    return """
SELECT seq, lead_id, tag, active, rule, recorded_at, event_id FROM lead_tags
WHERE $lead_id IS NULL OR lead_id = $lead_id
ORDER BY seq"""


def next_tag_seq_sql() -> str:
    """The next sequence number of `lead_tags`."""
    return "SELECT coalesce(max(seq), 0) + 1 FROM lead_tags"


def insert_tags_sql(table: str) -> str:
    """Append the tag changes of the registered frame `table` (seq, lead_id, tag, active,
    rule), stamped with $recorded_at and $event_id."""
    return f"""
INSERT INTO lead_tags (seq, lead_id, tag, active, rule, recorded_at, event_id)
SELECT seq, lead_id, tag, active, rule, $recorded_at, $event_id FROM {table}"""


def tags_of_lead_sql() -> str:
    """The computed tags in force of lead $lead_id, comma-separated (NULL: none)."""
    return "SELECT string_agg(tag, ',' ORDER BY tag) FROM current_lead_tags WHERE lead_id = $lead_id"
