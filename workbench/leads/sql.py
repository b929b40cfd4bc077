"""SQL of review, merge and history: labels, link constraints, membership, edits, conflicts,
review decisions, golden leads and the outbox.

History tables are append-only: a row is never updated or deleted. The state of a key (a
record's lead, a lead's field override, a pair's constraint or label) is its latest row by
`seq`; its state at a past moment is its latest row recorded by then. Every row carries the
event that wrote it, which is what undo reads. Only `leads` is a derived cache, rebuilt from
the rest at will.
"""

from __future__ import annotations

from workbench.store.sql import column_list, quote_ident

# --- membership ---------------------------------------------------------------------------


def membership_state_sql(as_of: bool = False) -> str:
    """Each record's lead (NULL: none), now or as of `$as_of`."""
    where = "WHERE recorded_at <= $as_of" if as_of else ""
    return f"""
SELECT record_id, arg_max_null(lead_id, seq) AS lead_id
FROM membership {where} GROUP BY record_id"""


def admissions_sql(*, batch: bool) -> str:
    """The membership rows (seq, record_id, lead_id, recorded_at, event_id) that make stored,
    unrejected records one-record leads, stamped with each record's entry time.

    With `batch`: the records of the batch `$batch_id` just landed, tagged with its import
    event `$event_id` (what an import admits). Without: every record that has no membership
    row yet, tagged with its batch's import event (catching any that predate that)."""
    if batch:
        event, where = "$event_id::BIGINT", "r.batch_id = $batch_id"
    else:
        event, where = "e.event_id", (
            "NOT EXISTS (SELECT 1 FROM membership m WHERE m.record_id = r.record_id)")
    events = "" if batch else """
LEFT JOIN (SELECT target, max(event_id) AS event_id FROM events WHERE kind = 'import'
           GROUP BY target) e ON e.target = 'batch:' || r.batch_id"""
    return f"""
SELECT (SELECT coalesce(max(seq), 0) FROM membership) + row_number() OVER (ORDER BY r.record_id)
           AS seq,
       r.record_id,
       (SELECT coalesce(max(lead_id), 0) FROM membership)
           + row_number() OVER (ORDER BY r.record_id) AS lead_id,
       r.entered_at AS recorded_at,
       {event} AS event_id
FROM records r{events}
WHERE NOT coalesce(r.rejected, false) AND {where}"""


def apply_moves_sql(moves: str, state: str) -> str:
    """Append a membership row for each move in `moves(record_id, lead_id)` that changes
    something against `state` (record_id, lead_id). A record with no row yet gets one even
    when the move is to no lead, so that it is not admitted later.
    Params: $recorded_at, $event_id."""
    return f"""
INSERT INTO membership
SELECT (SELECT coalesce(max(seq), 0) FROM membership) + row_number() OVER (ORDER BY m.record_id),
       m.record_id, m.lead_id, $recorded_at, $event_id
FROM {moves} m LEFT JOIN {state} c USING (record_id)
WHERE c.record_id IS NULL OR c.lead_id IS DISTINCT FROM m.lead_id"""


def post_state_sql(moves: str, state: str) -> str:
    """Each record's lead after the moves in `moves` are applied to `state`."""
    return f"""
SELECT record_id,
       CASE WHEN m.record_id IS NOT NULL THEN m.lead_id ELSE s.lead_id END AS lead_id
FROM {state} s FULL OUTER JOIN {moves} m USING (record_id)"""


def batch_out_sql() -> str:
    """Moves that take every stored record of batch `$batch_id` out of the leads."""
    return """
SELECT record_id, NULL::BIGINT AS lead_id FROM records
WHERE batch_id = $batch_id AND NOT coalesce(rejected, false)"""


def create_temp_table_sql(name: str, select: str) -> str:
    """Make (or replace) the temporary table `name` (a name of ours) from `select`."""
    return f"CREATE OR REPLACE TEMP TABLE {name} AS {select}"


def drop_temp_table_sql(name: str) -> str:
    """Drop the temporary table `name` (a name of ours) if it is there."""
    return f"DROP TABLE IF EXISTS {name}"


def select_from_sql(table: str, columns: str = "*") -> str:
    """`columns` (a select list of ours) of every row of `table`."""
    return f"SELECT {columns} FROM {table}"


def append_membership_sql(rows: str) -> str:
    """Append the membership rows of table `rows` (seq, record_id, lead_id, recorded_at,
    event_id)."""
    return f"INSERT INTO membership SELECT * FROM {rows}"


def current_lead_count_sql() -> str:
    """How many leads the current membership holds."""
    return "SELECT count(DISTINCT lead_id) FROM current_membership"


def lead_size_sql() -> str:
    """How many records lead `$lead_id` holds now."""
    return "SELECT count(*) FROM current_membership WHERE lead_id = $lead_id"


def max_lead_id_sql() -> str:
    """The largest lead id ever given (0 when none)."""
    return "SELECT coalesce(max(lead_id), 0) FROM membership"


def event_membership_sql() -> str:
    """For each record the event `$event_id` moved: its lead before, the lead the event left
    it in, whether it had any row before, and its lead now."""
    return """
WITH mine AS (
    SELECT record_id, min(seq) AS first_seq, arg_max_null(lead_id, seq) AS after_lead
    FROM membership WHERE event_id = $event_id GROUP BY record_id
), before AS (
    SELECT m.record_id, arg_max_null(m.lead_id, m.seq) AS before_lead, count(*) AS n
    FROM membership m JOIN mine USING (record_id) WHERE m.seq < mine.first_seq
    GROUP BY m.record_id
)
SELECT mine.record_id, before.before_lead, coalesce(before.n, 0) > 0 AS had_row,
       mine.after_lead, c.lead_id AS now_lead
FROM mine LEFT JOIN before USING (record_id) JOIN current_membership c USING (record_id)"""


# --- edits --------------------------------------------------------------------------------


def edits_state_sql(as_of: bool = False) -> str:
    """The override in force per (lead, field), now or as of `$as_of`."""
    where = "WHERE recorded_at <= $as_of" if as_of else ""
    return f"""
SELECT lead_id, field, value FROM (
    SELECT lead_id, field, arg_max_null(value, seq) AS value, arg_max(active, seq) AS active
    FROM edits {where} GROUP BY lead_id, field) WHERE active"""


def insert_edit_sql() -> str:
    """Append one field override. Params: $lead_id, $field, $value, $active, $recorded_at,
    $event_id, $actor, $reason."""
    return """
INSERT INTO edits
SELECT (SELECT coalesce(max(seq), 0) FROM edits) + 1, $lead_id, $field, $value, $active,
       $recorded_at, $event_id, $actor, $reason"""


def event_edits_sql() -> str:
    """For each (lead, field) event `$event_id` set: the row before it (value, active) if any,
    the value it left, and the current one."""
    return """
WITH mine AS (
    SELECT lead_id, field, min(seq) AS first_seq, arg_max_null(value, seq) AS after_value,
           arg_max(active, seq) AS after_active
    FROM edits WHERE event_id = $event_id GROUP BY lead_id, field
), before AS (
    SELECT e.lead_id, e.field, arg_max_null(e.value, e.seq) AS before_value,
           arg_max(e.active, e.seq) AS before_active
    FROM edits e JOIN mine USING (lead_id, field) WHERE e.seq < mine.first_seq
    GROUP BY e.lead_id, e.field
), cur AS (
    SELECT lead_id, field, arg_max_null(value, seq) AS now_value, arg_max(active, seq) AS now_active
    FROM edits GROUP BY lead_id, field
)
SELECT mine.lead_id, mine.field, before.before_value, coalesce(before.before_active, false),
       mine.after_value, mine.after_active, cur.now_value, cur.now_active
FROM mine LEFT JOIN before USING (lead_id, field) JOIN cur USING (lead_id, field)"""


# --- constraints and labels ---------------------------------------------------------------


def insert_constraint_sql() -> str:
    """Append one link constraint. Params: $record_id_l, $record_id_r, $kind, $created_at,
    $event_id, $active."""
    return ("INSERT INTO link_constraints "
            "VALUES ($record_id_l, $record_id_r, $kind, $created_at, $event_id, $active)")


def insert_label_sql() -> str:
    """Append one pair label. Params: $record_id_l, $record_id_r, $is_match, $reviewer,
    $labelled_at, $event_id, $active."""
    return ("INSERT INTO labels VALUES "
            "($record_id_l, $record_id_r, $is_match, $reviewer, $labelled_at, $event_id, $active)")


def event_constraints_sql() -> str:
    """Each pair event `$event_id` constrained: the pair, its kind and active flag before the
    event (NULL if none), and the kind the event gave it."""
    return """
WITH mine AS (
    SELECT record_id_l, record_id_r, min(created_at) AS t FROM link_constraints
    WHERE event_id = $event_id GROUP BY ALL
)
SELECT mine.record_id_l, mine.record_id_r,
       (SELECT arg_max(c.kind, c.created_at) FROM link_constraints c
        WHERE c.record_id_l = mine.record_id_l AND c.record_id_r = mine.record_id_r
          AND c.created_at < mine.t),
       (SELECT arg_max(c.active, c.created_at) FROM link_constraints c
        WHERE c.record_id_l = mine.record_id_l AND c.record_id_r = mine.record_id_r
          AND c.created_at < mine.t),
       (SELECT arg_max(c.kind, c.created_at) FROM link_constraints c WHERE c.event_id = $event_id
        AND c.record_id_l = mine.record_id_l AND c.record_id_r = mine.record_id_r)
FROM mine"""


def event_labels_sql() -> str:
    """Each pair event `$event_id` labelled: the pair, its label and active flag before the
    event (NULL if none), and the label the event gave it."""
    return """
WITH mine AS (
    SELECT record_id_l, record_id_r, min(labelled_at) AS t FROM labels
    WHERE event_id = $event_id GROUP BY ALL
)
SELECT mine.record_id_l, mine.record_id_r,
       (SELECT arg_max(l.is_match, l.labelled_at) FROM labels l
        WHERE l.record_id_l = mine.record_id_l AND l.record_id_r = mine.record_id_r
          AND l.labelled_at < mine.t),
       (SELECT arg_max(l.active, l.labelled_at) FROM labels l
        WHERE l.record_id_l = mine.record_id_l AND l.record_id_r = mine.record_id_r
          AND l.labelled_at < mine.t),
       (SELECT arg_max(l.is_match, l.labelled_at) FROM labels l WHERE l.event_id = $event_id
        AND l.record_id_l = mine.record_id_l AND l.record_id_r = mine.record_id_r)
FROM mine"""


# --- notifications ------------------------------------------------------------------------


def notify_owners_sql(touched: str, before: str, after: str) -> str:
    """One 'lead_changed' message per (owner, lead) in `touched(lead_id)`, to every owner of a
    record in the lead before (`before`) or after (`after`) the change.

    Params: $created_at, $message (a prefix), $payload, $event_id."""
    return f"""
INSERT INTO notifications
SELECT (SELECT coalesce(max(notification_id), 0) FROM notifications)
           + row_number() OVER (ORDER BY o.owner, o.lead_id),
       $created_at, o.owner, 'lead_changed', 'lead:' || o.lead_id,
       $message || ' (lead ' || o.lead_id || ')', $payload, $event_id, NULL
FROM (
    SELECT DISTINCT t.lead_id, r.owner
    FROM {touched} t
    JOIN (SELECT record_id, lead_id FROM {before}
          UNION SELECT record_id, lead_id FROM {after}) m ON m.lead_id = t.lead_id
    JOIN records r ON r.record_id = m.record_id
    WHERE r.owner IS NOT NULL AND r.owner <> ''
) o"""


# --- golden leads -------------------------------------------------------------------------


def create_leads_sql(select: str) -> str:
    """Write the whole `leads` cache from `select` (golden rows)."""
    return f"CREATE OR REPLACE TABLE leads AS {select}"


def append_leads_sql(select: str) -> str:
    """Append the golden rows of `select` to the `leads` cache, column by name."""
    return f"INSERT INTO leads BY NAME {select}"


def by_lead_sql(select: str) -> str:
    """The rows of `select` in lead order."""
    return f"{select} ORDER BY lead_id"


def delete_leads_sql(touched: str) -> str:
    """Remove from the `leads` cache the leads in table `touched(lead_id)`."""
    return f"DELETE FROM leads WHERE lead_id IN (SELECT lead_id FROM {touched})"


def overrides_applied_sql(fields: list[str], keep_all: set[str], golden: str,
                          edits: str) -> str:
    """The golden rows of `golden` (a SELECT or table of `golden_sql` rows) with the field
    overrides of `edits` (a SELECT of lead_id, field, value) applied, and the `_all` lists of
    the fields in `keep_all` turned into `_others` (the values that did not win)."""
    cols = []
    for name in fields:
        col = quote_ident(name)
        cols.append(
            f"CASE WHEN list_contains(e._fields, '{name}') "
            f"THEN map_extract(e._values, '{name}')[1] ELSE g.{col} END AS {col}"
        )
        if name in keep_all:
            cols.append(
                f"list_filter(g.{quote_ident(name + '_all')}, lambda x: x IS DISTINCT FROM "
                f"(CASE WHEN list_contains(e._fields, '{name}') "
                f"THEN map_extract(e._values, '{name}')[1] ELSE g.{col} END)) "
                f"AS {quote_ident(name + '_others')}"
            )
    body = ",\n       ".join(cols)
    return f"""
SELECT g.lead_id, {body},
       g.members, g.record_ids, g.channels, g.last_updated,
       coalesce(e._fields, []) AS overridden
FROM ({golden}) g
LEFT JOIN (SELECT lead_id, list(field ORDER BY field) AS _fields, map(list(field), list(value)) AS _values
           FROM ({edits}) GROUP BY lead_id) e USING (lead_id)"""


def golden_src_sql(columns: list[str], ranks: dict[str, str], *, as_of: bool = False,
                   state: str | None = None, touched: str | None = None) -> str:
    """Each lead's member records with the keys survivorship orders by and a rank per rule
    (`ranks`: column -> its window, `PARTITION BY lead_id ... ORDER BY ...`): membership from
    `state` (a table of record_id, lead_id) or the history, only the leads in
    `touched(lead_id)` when given. Params: $as_of when `as_of`."""
    mem = f"SELECT record_id, lead_id FROM {state}" if state else membership_state_sql(as_of)
    touched = f"AND m.lead_id IN (SELECT lead_id FROM {touched})" if touched else ""
    cols = ", ".join(f"r.{quote_ident(c)}" for c in columns)
    ranked = "".join(
        f",\n       row_number() OVER ({window}) AS {name}"
        for name, window in ranks.items())
    return f"""
SELECT *{ranked}
FROM (
    SELECT m.lead_id, {cols},
           coalesce(r.updated_at, strftime(r.entered_at, '%Y-%m-%d %H:%M:%S')) AS _updated,
           coalesce(ch.kind = 'own', false) AS _own,
           coalesce(ch.priority, 0) AS _priority
    FROM ({mem}) m JOIN records r USING (record_id)
    LEFT JOIN channels ch ON ch.name = r.channel
    WHERE m.lead_id IS NOT NULL {touched}
)"""


def golden_sql(selects: list[str], src: str) -> str:
    """The golden lead of every lead in `src` (a SELECT of `golden_src_sql` or a table):
    survivorship `selects` over its member records; overrides are applied by the caller."""
    cols = ",\n       ".join(selects)
    return f"""
WITH src AS ({src})
SELECT lead_id,
       count(*) AS members,
       list(record_id ORDER BY record_id) AS record_ids,
       list(DISTINCT channel ORDER BY channel) FILTER (WHERE channel IS NOT NULL) AS channels,
       max(_updated) AS last_updated,
       {cols}
FROM src GROUP BY lead_id"""


def conflicts_sql(src: str, golden: str, fields: list[str], valid: dict[str, str],
                  rules: dict[str, str]) -> str:
    """Every field on which the members of a lead in `src` (rows of `golden_src_sql`) disagree,
    with the candidates (JSON), the winner in `golden` (rows of `golden_sql`) and the rule.
    Params: $logged_at, $event_id."""
    kept = ", ".join(f"CASE WHEN {valid[f]} THEN {quote_ident(f)}::VARCHAR END AS {quote_ident(f)}"
                     for f in fields)
    on = ", ".join(quote_ident(f) for f in fields)
    winners = ", ".join(f"{quote_ident(f)}::VARCHAR" for f in fields)
    names = ", ".join(f"'{f}'" for f in fields)
    rule_names = ", ".join(f"'{rules[f]}'" for f in fields)
    disagree = ", ".join(
        f"CASE WHEN min({quote_ident(f)}::VARCHAR) FILTER (WHERE {valid[f]}) <> "
        f"max({quote_ident(f)}::VARCHAR) FILTER (WHERE {valid[f]}) THEN '{f}' END" for f in fields)
    return f"""
INSERT INTO conflicts
WITH disagree AS (
    -- min <> max is a cheap test of disagreement; only those leads and fields are unpivoted
    SELECT lead_id, _fields FROM (
        SELECT lead_id, list_filter([{disagree}], lambda x: x IS NOT NULL) AS _fields
        FROM {src} GROUP BY lead_id)
    WHERE len(_fields) > 0
), v AS (
    SELECT v.*, d._fields FROM (
        UNPIVOT (SELECT lead_id, record_id, channel AS _channel, _updated, {kept}
                 FROM {src} SEMI JOIN disagree USING (lead_id))
        ON {on} INTO NAME _field VALUE _value) v
    JOIN disagree d USING (lead_id)
    WHERE list_contains(d._fields, v._field)
), c AS (
    SELECT lead_id, _field,
           to_json(list({{'value': _value, 'record_id': record_id, 'channel': _channel,
                          'updated_at': _updated}})) AS candidates
    FROM v GROUP BY lead_id, _field
), w AS (
    SELECT lead_id, map([{names}], [{winners}]) AS winners FROM {golden}
)
SELECT c.lead_id, c._field, c.candidates::VARCHAR, map_extract(w.winners, c._field)[1],
       map_extract(map([{names}], [{rule_names}]), c._field)[1], $logged_at, $event_id
FROM c JOIN w USING (lead_id)"""


def history_rows_sql() -> str:
    """Everything that happened to lead `$lead_id`: membership moves in and out, edits and
    conflicts, with their events (at, event_id, kind, actor, reason, what, detail)."""
    return """
WITH moves AS (
    SELECT record_id, seq, lead_id, event_id, recorded_at,
           lag(lead_id) OVER (PARTITION BY record_id ORDER BY seq) AS prev_lead
    FROM membership
), mine AS (
    SELECT recorded_at AS at, event_id,
           CASE WHEN lead_id = $lead_id THEN 'joined' ELSE 'left' END AS what,
           'record ' || record_id ||
           CASE WHEN lead_id = $lead_id THEN coalesce(' from lead ' || prev_lead, '')
                ELSE coalesce(' to lead ' || lead_id, ' (no lead)') END AS detail
    FROM moves
    WHERE lead_id = $lead_id OR (prev_lead = $lead_id AND lead_id IS DISTINCT FROM $lead_id)
    UNION ALL
    SELECT recorded_at, event_id,
           CASE WHEN active THEN 'field set' ELSE 'field override removed' END,
           field || coalesce(' = ' || value, '')
    FROM edits WHERE lead_id = $lead_id
    UNION ALL
    SELECT logged_at, event_id, 'conflict',
           field || ': ' || candidates || ' -> ' || coalesce(winner, '') || ' by ' || rule
    FROM conflicts WHERE lead_id = $lead_id
)
SELECT mine.at, mine.event_id, e.kind, e.actor, e.reason, mine.what, mine.detail
FROM mine LEFT JOIN events e USING (event_id)
ORDER BY mine.at, mine.event_id, mine.what, mine.detail"""


# --- undo and restore ---------------------------------------------------------------------


def last_event_in_force_sql() -> str:
    """The newest event not undone (ids `$undone`) that changed something undo can restore: an
    import or rules change, or an event with rows in the history tables (not an export)."""
    return """
SELECT event_id FROM events
WHERE event_id NOT IN (SELECT unnest($undone::BIGINT[]))
  AND (kind IN ('import', 'rules')
       OR event_id IN (SELECT event_id FROM membership UNION SELECT event_id FROM edits
                       UNION SELECT event_id FROM link_constraints
                       UNION SELECT event_id FROM labels
                       UNION SELECT event_id FROM review_decisions))
ORDER BY event_id DESC LIMIT 1"""


def later_membership_events_sql() -> str:
    """Events after `$event_id` that moved any of the records `$record_ids`."""
    return """
SELECT DISTINCT event_id FROM membership
WHERE record_id IN (SELECT unnest($record_ids::BIGINT[])) AND event_id > $event_id"""


def later_edit_events_sql() -> str:
    """Events after `$event_id` that edited any of the leads `$lead_ids`."""
    return """
SELECT DISTINCT event_id FROM edits
WHERE lead_id IN (SELECT unnest($lead_ids::BIGINT[])) AND event_id > $event_id"""


def membership_restore_sql() -> str:
    """Each record's lead as of `$as_of` (NULL if it had none then)."""
    return f"""
SELECT c.record_id, a.lead_id
FROM current_membership c LEFT JOIN ({membership_state_sql(True)}) a USING (record_id)"""


def edits_restore_sql() -> str:
    """The (lead, field) overrides whose state now differs from their state at `$moment`, with
    the state to go back to (lead_id, field, value, active)."""
    return """
WITH cur AS (
    SELECT lead_id, field, arg_max_null(value, seq) AS v, arg_max(active, seq) AS a
    FROM edits GROUP BY ALL
), old AS (
    SELECT lead_id, field, arg_max_null(value, seq) AS v, arg_max(active, seq) AS a
    FROM edits WHERE recorded_at <= $moment GROUP BY ALL
)
SELECT cur.lead_id, cur.field, old.v, coalesce(old.a, false)
FROM cur LEFT JOIN old USING (lead_id, field)
WHERE coalesce(old.a, false) <> cur.a OR (cur.a AND cur.v IS DISTINCT FROM old.v)"""


def constraints_restore_sql() -> str:
    """Append the state at `$moment` of every constraint pair that changed since, stamped
    `$created_at` and `$event_id`."""
    return """
INSERT INTO link_constraints
WITH cur AS (
    SELECT record_id_l, record_id_r, arg_max(kind, created_at) AS k, arg_max(active, created_at) AS a
    FROM link_constraints GROUP BY ALL
), old AS (
    SELECT record_id_l, record_id_r, arg_max(kind, created_at) AS k, arg_max(active, created_at) AS a
    FROM link_constraints WHERE created_at <= $moment GROUP BY ALL
)
SELECT cur.record_id_l, cur.record_id_r, coalesce(old.k, cur.k), $created_at, $event_id,
       coalesce(old.a, false)
FROM cur LEFT JOIN old USING (record_id_l, record_id_r)
WHERE coalesce(old.a, false) <> cur.a OR (cur.a AND cur.k IS DISTINCT FROM old.k)"""


def labels_restore_sql() -> str:
    """Append the state at `$moment` of every labelled pair that changed since, by `$reviewer`
    at `$labelled_at` in `$event_id`."""
    return """
INSERT INTO labels
WITH cur AS (
    SELECT record_id_l, record_id_r, arg_max(is_match, labelled_at) AS m,
           arg_max(active, labelled_at) AS a
    FROM labels GROUP BY ALL
), old AS (
    SELECT record_id_l, record_id_r, arg_max(is_match, labelled_at) AS m,
           arg_max(active, labelled_at) AS a
    FROM labels WHERE labelled_at <= $moment GROUP BY ALL
)
SELECT cur.record_id_l, cur.record_id_r, coalesce(old.m, cur.m), $reviewer, $labelled_at,
       $event_id, coalesce(old.a, false)
FROM cur LEFT JOIN old USING (record_id_l, record_id_r)
WHERE coalesce(old.a, false) <> cur.a OR (cur.a AND cur.m IS DISTINCT FROM old.m)"""


# --- merging and review -------------------------------------------------------------------


def safe_clusters_sql() -> str:
    """Pending clusters (cluster_id) whose every scored pair (latest run per pair) reaches
    the match probability `$threshold`, with no cannot-link constraint inside and no decision
    of a reviewer on them by an event not undone (ids `$undone`)."""
    return """
WITH cm AS (
    SELECT c.cluster_id, c.record_id, m.lead_id
    FROM clusters c JOIN current_membership m USING (record_id)
    WHERE m.lead_id IS NOT NULL
), pending AS (
    SELECT cluster_id, string_agg(record_id::VARCHAR, ',' ORDER BY record_id) AS sig
    FROM cm GROUP BY cluster_id HAVING count(DISTINCT lead_id) > 1
), latest_pairs AS (
    SELECT record_id_l, record_id_r, arg_max(match_probability, run_id) AS p
    FROM pairs GROUP BY ALL
), weakest AS (
    SELECT a.cluster_id, min(p.p) AS p_min
    FROM latest_pairs p
    JOIN cm a ON a.record_id = p.record_id_l
    JOIN cm b ON b.record_id = p.record_id_r AND b.cluster_id = a.cluster_id
    GROUP BY a.cluster_id
), blocked AS (
    SELECT DISTINCT a.cluster_id
    FROM current_constraints k
    JOIN cm a ON a.record_id = k.record_id_l
    JOIN cm b ON b.record_id = k.record_id_r AND b.cluster_id = a.cluster_id
    WHERE k.kind = 'cannot_link'
)
SELECT p.cluster_id FROM pending p JOIN weakest w USING (cluster_id)
WHERE w.p_min >= $threshold
  AND p.cluster_id NOT IN (SELECT cluster_id FROM blocked)
  AND p.sig NOT IN (SELECT signature FROM review_decisions d
                    WHERE d.decision <> 'skip'
                      AND d.event_id NOT IN (SELECT unnest($undone::BIGINT[])))"""


def leads_of_records_sql() -> str:
    """The current lead of each of the records `$record_ids` (a list) that has one."""
    return """
SELECT record_id, lead_id FROM current_membership
WHERE record_id IN (SELECT unnest($record_ids::BIGINT[])) AND lead_id IS NOT NULL"""


def leads_with_others_sql() -> str:
    """Those of the leads `$lead_ids` that hold records other than the records `$record_ids`."""
    return """
SELECT DISTINCT lead_id FROM current_membership
WHERE lead_id IN (SELECT unnest($lead_ids::BIGINT[]))
  AND record_id NOT IN (SELECT unnest($record_ids::BIGINT[]))"""


def touched_by_moves_sql(moves: str, before: str) -> str:
    """The leads the moves in `moves` take records from or give records to, against `before`."""
    return f"""
SELECT DISTINCT lead_id FROM (
    SELECT m.lead_id FROM {moves} m LEFT JOIN {before} c USING (record_id)
    WHERE c.lead_id IS DISTINCT FROM m.lead_id
    UNION ALL
    SELECT c.lead_id FROM {moves} m JOIN {before} c USING (record_id)
    WHERE c.lead_id IS DISTINCT FROM m.lead_id)
WHERE lead_id IS NOT NULL"""


def merge_safe_moves_sql(safe: str) -> str:
    """Every record of a cluster in `safe(cluster_id)` to the smallest current lead of its
    cluster."""
    return f"""
SELECT c.record_id, min(m.lead_id) OVER (PARTITION BY c.cluster_id) AS lead_id
FROM clusters c JOIN current_membership m USING (record_id)
WHERE m.lead_id IS NOT NULL AND c.cluster_id IN (SELECT cluster_id FROM {safe})"""


def insert_decision_sql() -> str:
    """Append one review decision. Params: $decided_at, $actor, $cluster_id, $signature,
    $decision, $leaving (JSON), $pattern, $export_id, $event_id."""
    return """
INSERT INTO review_decisions
VALUES ($decided_at, $actor, $cluster_id, $signature, $decision, $leaving, $pattern, $export_id,
        $event_id)"""


def leads_of_batch_sql() -> str:
    """The leads holding a record of batch `$batch_id`."""
    return """
SELECT DISTINCT m.lead_id FROM current_membership m JOIN records r USING (record_id)
WHERE r.batch_id = $batch_id"""


def lead_members_sql(columns: list[str]) -> str:
    """Every record in a lead, with `columns`, by lead and record."""
    cols = ", ".join(f"r.{quote_ident(c)}" for c in columns)
    return f"""
SELECT m.lead_id, r.record_id, r.batch_id, {cols}
FROM current_membership m JOIN records r USING (record_id)
WHERE m.lead_id IS NOT NULL ORDER BY m.lead_id, r.record_id"""


def rules_sql() -> str:
    """The pool's survivorship rules (one row of JSON, or none)."""
    return "SELECT value FROM meta WHERE key = 'survivorship'"


def set_rules_sql() -> str:
    """Set the pool's survivorship rules to `$rules` (JSON)."""
    return "INSERT OR REPLACE INTO meta VALUES ('survivorship', $rules)"


def review_queue_sql(pattern_fields, valid: dict[str, str]) -> str:
    """Pending clusters with per-field distinct / present counts of `pattern_fields`: in more
    than one lead, and not decided (other than skip) by an event not undone (ids `$undone`)."""
    pattern_cols = ",\n       ".join(
        f"count(DISTINCT {f}) FILTER (WHERE {valid[f]}) AS {f}_distinct, "
        f"count({f}) FILTER (WHERE {valid[f]}) AS {f}_present"
        for f in pattern_fields
    )
    return f"""
WITH cm AS (
    SELECT c.cluster_id, c.record_id, m.lead_id
    FROM clusters c JOIN current_membership m USING (record_id)
    WHERE m.lead_id IS NOT NULL
), pending AS (
    SELECT cluster_id, string_agg(record_id::VARCHAR, ',' ORDER BY record_id) AS signature,
           count(*) AS records, count(DISTINCT lead_id) AS leads
    FROM cm GROUP BY cluster_id HAVING count(DISTINCT lead_id) > 1
), decided AS (
    SELECT DISTINCT signature FROM review_decisions
    WHERE decision <> 'skip' AND event_id NOT IN (SELECT unnest($undone::BIGINT[]))
), weakest AS (
    SELECT a.cluster_id, min(p.match_probability) AS p_min, max(p.match_probability) AS p_max
    FROM pairs p
    JOIN cm a ON a.record_id = p.record_id_l
    JOIN cm b ON b.record_id = p.record_id_r AND b.cluster_id = a.cluster_id
    GROUP BY a.cluster_id
)
SELECT p.cluster_id, p.signature, p.records, p.leads, w.p_min, w.p_max,
       {pattern_cols}
FROM pending p
JOIN cm USING (cluster_id)
JOIN records r ON r.record_id = cm.record_id
LEFT JOIN weakest w USING (cluster_id)
WHERE p.signature NOT IN (SELECT signature FROM decided)
GROUP BY p.cluster_id, p.signature, p.records, p.leads, w.p_min, w.p_max
ORDER BY p.cluster_id"""


def preview_records_sql() -> str:
    """The records `$record_ids` (a list) with their cluster and current lead, for a preview."""
    return """
SELECT c.cluster_id, r.record_id, m.lead_id, r.name, r.phone, r.email, r.company, r.channel,
       r.updated_at
FROM clusters c JOIN records r USING (record_id) JOIN current_membership m USING (record_id)
WHERE r.record_id IN (SELECT unnest($record_ids::BIGINT[]))
ORDER BY c.cluster_id, r.record_id"""


def review_records_sql(columns: list[str]) -> str:
    """The records `$record_ids` (a list) with their cluster and `columns`, for the review
    file."""
    cols = ", ".join(f"r.{quote_ident(c)}" for c in columns)
    return f"""
SELECT c.cluster_id, r.record_id, {cols} FROM clusters c JOIN records r USING (record_id)
WHERE r.record_id IN (SELECT unnest($record_ids::BIGINT[])) ORDER BY c.cluster_id, r.record_id"""


def applied_from_file_sql() -> str:
    """Signatures decided from review file `$export_id` by events not undone (ids `$undone`)."""
    return """
SELECT signature FROM review_decisions
WHERE export_id = $export_id AND event_id NOT IN (SELECT unnest($undone::BIGINT[]))"""


def last_event_id_sql() -> str:
    """The newest event's id (0 when none)."""
    return "SELECT coalesce(max(event_id), 0) FROM events"


def undone_by_sql() -> str:
    """The newest event that undoes event `$event_id` (NULL when none)."""
    return "SELECT max(event_id) FROM events WHERE undoes = $event_id"


def decisions_of_event_sql() -> str:
    """How many review decisions event `$event_id` made."""
    return "SELECT count(*) FROM review_decisions WHERE event_id = $event_id"


def carry_edits_sql(before: str, after: str, touched: str) -> str:
    """Overrides of leads the moves emptied (`before` -> `after`, both record_id, lead_id) go to
    the lead their records went to (the smallest, if several), unless it has its own override
    of that field. Params: $recorded_at, $event_id.
    """
    return f"""
INSERT INTO edits
WITH cur AS ({edits_state_sql(False)}),
gone AS (
    SELECT p.lead_id AS old, min(s.lead_id) AS target
    FROM {before} p JOIN {after} s USING (record_id)
    WHERE p.lead_id IN (SELECT lead_id FROM {touched}) AND s.lead_id IS NOT NULL
      AND p.lead_id NOT IN (SELECT lead_id FROM {after} WHERE lead_id IS NOT NULL)
    GROUP BY p.lead_id
), carried AS (
    SELECT g.target, e.field, e.value, e.lead_id AS old
    FROM cur e JOIN gone g ON g.old = e.lead_id
    WHERE NOT EXISTS (SELECT 1 FROM cur x WHERE x.lead_id = g.target AND x.field = e.field)
    QUALIFY row_number() OVER (PARTITION BY g.target, e.field ORDER BY e.lead_id DESC) = 1
)
SELECT (SELECT coalesce(max(seq), 0) FROM edits) + row_number() OVER (ORDER BY target, field),
       target, field, value, true, $recorded_at, $event_id, NULL, 'carried over from lead ' || old
FROM carried"""


def find_leads_sql() -> str:
    """At most `$limit` golden leads whose name, WeChat, e-mail or company contains `$text`,
    or whose mobile contains the digits `$digits` (when not NULL)."""
    return """
SELECT lead_id, name, phone, wechat, email, company, title, city, owner, members
FROM leads
WHERE name ILIKE '%' || $text || '%'
   OR wechat ILIKE '%' || $text || '%'
   OR email ILIKE '%' || $text || '%'
   OR company ILIKE '%' || $text || '%'
   OR ($digits IS NOT NULL AND regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')
                               LIKE '%' || $digits || '%')
ORDER BY lead_id LIMIT $limit"""


def lead_of_record_sql() -> str:
    """The current lead of record `$record_id`."""
    return "SELECT lead_id FROM current_membership WHERE record_id = $record_id"


def lead_row_sql() -> str:
    """The golden lead `$lead_id` from the `leads` cache, every column."""
    return "SELECT * FROM leads WHERE lead_id = $lead_id"


def recent_events_sql() -> str:
    """The `$limit` newest events, newest first."""
    return """
SELECT event_id, happened_at, actor, kind, target, reason, undoes
FROM events ORDER BY event_id DESC LIMIT $limit"""


def cluster_records_sql(columns: list[str]) -> str:
    """The records `$record_ids` (a list of ids) with their current lead, in record order."""
    cols = ", ".join(f"r.{c}" for c in columns)
    return f"""
SELECT r.record_id, m.lead_id, {cols}
FROM records r JOIN current_membership m USING (record_id)
WHERE r.record_id IN (SELECT unnest($record_ids::BIGINT[])) ORDER BY r.record_id"""


# --- exports ------------------------------------------------------------------------------


def export_records_sql(columns: list[str], one_batch: bool) -> str:
    """`columns` of every record (of batch `$batch_id` only, with `one_batch`), by id."""
    where = "WHERE batch_id = $batch_id" if one_batch else ""
    return f"SELECT {column_list(columns)} FROM records {where} ORDER BY record_id"


def export_batches_sql(one_batch: bool) -> str:
    """The sync log, one row per batch (batch `$batch_id` only, with `one_batch`)."""
    where = "WHERE batch_id = $batch_id" if one_batch else ""
    return f"""
SELECT batch_id, started_at, finished_at, channel, file, sheet, kind, status, rows, error_rows,
       reasons, handler, quality_score
FROM batches {where} ORDER BY batch_id"""


def export_rejects_sql(raw_columns: list[str], one_batch: bool) -> str:
    """The rejected records with where they came from, their reason and `raw_columns` (of
    batch `$batch_id` only, with `one_batch`)."""
    where = "AND batch_id = $batch_id" if one_batch else ""
    return f"""
SELECT batch_id, source_file, source_sheet, source_row, reject_reason,
       {column_list(raw_columns)}, extra
FROM records WHERE rejected {where} ORDER BY record_id"""


def lead_counts_sql(touched: str, before: str, after: str) -> str:
    """Of the leads in `touched`: how many have members in `after` but none in `before`
    (created), and how many the other way round (retired)."""
    return f"""
WITH b AS (SELECT DISTINCT lead_id FROM {before} WHERE lead_id IN (SELECT lead_id FROM {touched})),
     a AS (SELECT DISTINCT lead_id FROM {after} WHERE lead_id IN (SELECT lead_id FROM {touched}))
SELECT count(*) FILTER (WHERE b.lead_id IS NULL AND a.lead_id IS NOT NULL),
       count(*) FILTER (WHERE b.lead_id IS NOT NULL AND a.lead_id IS NULL)
FROM {touched} t LEFT JOIN b ON b.lead_id = t.lead_id LEFT JOIN a ON a.lead_id = t.lead_id"""
def computed_tags_sql() -> str:
    """The computed tags in force per lead (lead_id, tags comma-separated), from the customer
    analysis's `current_lead_tags`."""
    return """
SELECT lead_id, string_agg(tag, ',' ORDER BY tag) FROM current_lead_tags GROUP BY lead_id"""
