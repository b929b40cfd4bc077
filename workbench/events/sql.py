"""The SQL of events, rules and delivery. Values go in as `$name` parameters."""

from __future__ import annotations

# --- finding a lead -------------------------------------------------------------------------


def leads_by_source_id_sql() -> str:
    """The current leads of the records a channel gave this id. Params: $channel, $source_id."""
    return """
SELECT DISTINCT m.lead_id
FROM records r JOIN current_membership m USING (record_id)
WHERE r.channel = $channel AND r.source_id = $source_id AND m.lead_id IS NOT NULL
ORDER BY 1"""


def leads_by_contact_sql(field: str) -> str:
    """The current leads with a record holding this standardised contact value. `field` is
    one of phone, email, wechat (not user input). Params: $value."""
    match = {"phone": "(r.phone = $value OR list_contains(r.phones, $value))",
             "email": "r.email = $value",
             "wechat": "r.wechat = $value"}[field]
    return f"""
SELECT DISTINCT m.lead_id
FROM records r JOIN current_membership m USING (record_id)
WHERE {match} AND m.lead_id IS NOT NULL
ORDER BY 1"""


# --- inbound events -------------------------------------------------------------------------


def known_event_ids_sql() -> str:
    """Which of $ids the pool has already taken (whatever became of them)."""
    return "SELECT event_id FROM inbound_events WHERE list_contains($ids, event_id)"


def insert_inbound_sql() -> str:
    return """
INSERT INTO inbound_events VALUES ($event_id, $system, $type, $occurred_at, $received_at, $body,
    $status, $rule, $rule_version, $lead_id, $reason, $history_events, 1, $updated_at)"""


def update_inbound_sql() -> str:
    """A parked event tried again."""
    return """
UPDATE inbound_events SET status = $status, rule = $rule, rule_version = $rule_version,
    lead_id = $lead_id, reason = $reason, history_events = $history_events,
    attempts = attempts + 1, updated_at = $updated_at
WHERE event_id = $event_id"""


def parked_events_sql() -> str:
    """Parked events, oldest first. Params: $limit."""
    return """
SELECT event_id, body, received_at FROM inbound_events
WHERE status = 'parked' ORDER BY received_at, event_id LIMIT $limit"""


def recent_inbound_sql() -> str:
    """The newest events first, optionally of one status. Params: $status (or NULL), $limit."""
    return """
SELECT event_id, system, type, occurred_at, received_at, status, rule, rule_version, lead_id,
       reason, history_events, attempts, updated_at
FROM inbound_events
WHERE $status IS NULL OR status = $status
ORDER BY updated_at DESC, event_id DESC LIMIT $limit"""


def inbound_counts_sql() -> str:
    return "SELECT status, count(*) FROM inbound_events GROUP BY status ORDER BY status"


# --- rules ----------------------------------------------------------------------------------


def current_rules_sql() -> str:
    """The latest row of every rule that has been switched or changed."""
    return """
SELECT name, arg_max(version, version), arg_max(enabled, version), arg_max(settings, version),
       arg_max(changed_at, version), arg_max(changed_by, version)
FROM event_rules GROUP BY name"""


def insert_rule_sql() -> str:
    return """
INSERT INTO event_rules VALUES ($name, $version, $enabled, $settings, $changed_at, $changed_by,
    $event_id)"""


# --- tokens ---------------------------------------------------------------------------------


def insert_token_sql() -> str:
    return "INSERT INTO event_tokens VALUES ($sha, $system, $created_at, true, $event_id)"


def active_tokens_sql() -> str:
    """Every active token's hash and its system."""
    return """
SELECT token_sha256, system FROM event_tokens t
WHERE active AND NOT EXISTS (
    SELECT 1 FROM event_tokens later
    WHERE later.token_sha256 = t.token_sha256 AND later.created_at > t.created_at)"""


def revoke_tokens_sql() -> str:
    """Revoke every token of a system. Params: $system, $created_at, $event_id."""
    return """
INSERT INTO event_tokens
SELECT DISTINCT token_sha256, system, $created_at, false, $event_id
FROM event_tokens WHERE system = $system"""


# --- recipients and delivery ----------------------------------------------------------------


def insert_recipient_sql() -> str:
    return """
INSERT INTO recipients VALUES ($recipient, $kind, $address, $secret, $active, $changed_at)"""


def current_recipients_sql() -> str:
    """Each (recipient, kind)'s latest row, when active."""
    return """
SELECT recipient, kind, address, secret FROM (
    SELECT *, row_number() OVER (PARTITION BY recipient, kind ORDER BY changed_at DESC) AS _n
    FROM recipients) WHERE _n = 1 AND active ORDER BY recipient, kind"""


def due_notifications_sql() -> str:
    """Undelivered messages whose recipient has an address, with each address's last attempt.
    A (message, address) is due when it was never tried, or failed and its next try is due.
    Params: $now."""
    return f"""
WITH addresses AS ({current_recipients_sql()}),
last AS (
    SELECT notification_id, recipient, kind, address, max(attempt) AS attempts,
           arg_max(status, attempt) AS status, arg_max(next_try_at, attempt) AS next_try_at
    FROM deliveries GROUP BY ALL
)
SELECT n.notification_id, n.created_at, n.recipient, n.kind AS message_kind, n.subject,
       n.message, a.kind, a.address, a.secret, coalesce(l.attempts, 0) AS attempts
FROM notifications n
JOIN addresses a ON a.recipient = n.recipient
LEFT JOIN last l ON l.notification_id = n.notification_id AND l.kind = a.kind
                AND l.address = a.address
WHERE n.delivered_at IS NULL
  AND (l.status IS NULL OR (l.status = 'failed' AND l.next_try_at <= $now))
ORDER BY n.recipient, a.kind, a.address, n.notification_id"""


def insert_delivery_sql() -> str:
    return """
INSERT INTO deliveries VALUES ($notification_id, $recipient, $kind, $address, $attempt, $tried_at,
    $status, $error, $next_try_at)"""


def mark_delivered_sql() -> str:
    """Params: $ids, $delivered_at."""
    return """
UPDATE notifications SET delivered_at = $delivered_at
WHERE list_contains($ids, notification_id) AND delivered_at IS NULL"""


def outbox_sql() -> str:
    """The outbox with each message's delivery state. Params: $limit."""
    return """
SELECT n.notification_id, n.created_at, n.recipient, n.kind, n.subject, n.message,
       n.delivered_at,
       (SELECT count(*) FROM deliveries d WHERE d.notification_id = n.notification_id)
           AS attempts,
       (SELECT arg_max(d.status, d.tried_at) FROM deliveries d
        WHERE d.notification_id = n.notification_id) AS last_status,
       (SELECT arg_max(d.error, d.tried_at) FROM deliveries d
        WHERE d.notification_id = n.notification_id) AS last_error
FROM notifications n ORDER BY n.notification_id DESC LIMIT $limit"""


# --- the inbox: a SQLite file beside the pool (sqlite3 takes :name parameters) --------------

INBOX_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    system TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    done_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS inbox_waiting ON inbox (done_at, seq)",
    # Refused events are not kept, only what was wrong with them, for `workbench events`.
    """CREATE TABLE IF NOT EXISTS refused (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    source TEXT NOT NULL,
    event_id TEXT,
    field TEXT NOT NULL,
    reason TEXT NOT NULL)""",
)


def inbox_put_sql() -> str:
    """Keep one event (:event_id, :system, :body, :received_at) unless its id is there."""
    return ("INSERT OR IGNORE INTO inbox (event_id, system, body, received_at) "
            "VALUES (:event_id, :system, :body, :received_at)")


def inbox_refused_sql() -> str:
    """Note a refusal (:received_at, :source, :event_id, :field, :reason)."""
    return ("INSERT INTO refused (received_at, source, event_id, field, reason) "
            "VALUES (:received_at, :source, :event_id, :field, :reason)")


def inbox_refusals_sql() -> str:
    """The latest :limit refusals, newest first."""
    return ("SELECT received_at, source, event_id, field, reason FROM refused "
            "ORDER BY seq DESC LIMIT :limit")


def inbox_waiting_sql() -> str:
    """(event_id, body, received_at) of the oldest :limit events not yet applied."""
    return ("SELECT event_id, body, received_at FROM inbox WHERE done_at IS NULL "
            "ORDER BY seq LIMIT :limit")


def inbox_done_sql() -> str:
    """Mark event :event_id applied at :done_at."""
    return "UPDATE inbox SET done_at = :done_at WHERE event_id = :event_id"


def inbox_counts_sql() -> str:
    """Events waiting and done."""
    return ("SELECT count(*) FILTER (WHERE done_at IS NULL), "
            "count(*) FILTER (WHERE done_at IS NOT NULL) FROM inbox")
