"""The pool's schema, in one place, as numbered migrations.

A pool records the highest migration it has applied in `meta.schema_version`; opening a pool
applies the ones it lacks, in order, inside one transaction. Later versions only add.

Until the first release every area's tables are part of migration 1, each area's DDL in a
list of its own below (linkage, leads, quality, events). After a release, changes become new
migrations appended to the list.
"""

from __future__ import annotations

from workbench.fields import record_columns
from workbench.store.sql import quote_ident

# The linkage input of every linked record, kept so that a batch is scored against the pool
# without preparing a million records again; and the contact values found generic.
LINK_FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id", "name", "name_pinyin", "name_flat", "name_key", "name_family", "phone",
    "phone_last8", "phones", "phone_digits", "phone_shared", "email", "email_local",
    "email_shared", "wechat", "wechat_phone",
    "company_core", "city", "title", "address", "postcode", "birth_date", "id_number", "qq",
    "douyin", "kuaishou", "name_given", "name_cjk", "name_sound_a", "name_sound_z",
    "name_initials", "birth_year", "birth_ym", "birth_md", "phone_mask_key", "phone_masked_key",
    "name_only", "name_city", "name_company", "name_place",
)
_FEATURE_TYPES = {"unique_id": "BIGINT PRIMARY KEY", "phones": "VARCHAR[]", "name_cjk": "BOOLEAN"}

LINKAGE_DDL: list[str] = [
    """
CREATE TABLE models (
    version INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    settings VARCHAR NOT NULL,          -- Splink settings JSON with trained m/u
    threshold DOUBLE NOT NULL,
    threshold_kind VARCHAR NOT NULL,    -- 'probability' | 'weight'
    training VARCHAR,                   -- JSON: how it was trained (seed, rules, labels used)
    note VARCHAR
)""",
    """
CREATE TABLE linkage_runs (
    run_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    kind VARCHAR NOT NULL,              -- 'full' | 'incremental'
    model_version INTEGER,
    threshold DOUBLE,
    batch_id BIGINT,
    pairs BIGINT,
    clusters BIGINT
)""",
    """
CREATE TABLE pairs (
    run_id BIGINT NOT NULL,
    record_id_l BIGINT NOT NULL,
    record_id_r BIGINT NOT NULL,
    match_weight DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    gammas VARCHAR,                     -- JSON {comparison: level} for explanations
    weights VARCHAR                     -- JSON {comparison: match weight incl. tf adjustment}
)""",
    # The current cluster of every linked record; cluster ids are stable across runs.
    """
CREATE TABLE clusters (
    record_id BIGINT PRIMARY KEY,
    cluster_id BIGINT NOT NULL,
    run_id BIGINT NOT NULL
)""",
]
LINK_FEATURES_DDL = (
    "CREATE TABLE link_features (\n    "
    + ",\n    ".join(f"{c} {_FEATURE_TYPES.get(c, 'VARCHAR')}" for c in LINK_FEATURE_COLUMNS)
    + "\n)"
)
LINKAGE_DDL.append(LINK_FEATURES_DDL)
LINKAGE_DDL.append("CREATE TABLE link_generic_values (field VARCHAR, value VARCHAR, names BIGINT)")

LEADS_DDL: list[str] = [
    # Reviewers' pair decisions, used to train and evaluate the model. Undoing a decision
    # appends the pair again with active = false; read `current_labels`.
    """
CREATE TABLE labels (
    record_id_l BIGINT NOT NULL,
    record_id_r BIGINT NOT NULL,
    is_match BOOLEAN NOT NULL,
    reviewer VARCHAR NOT NULL,
    labelled_at TIMESTAMP NOT NULL,
    event_id BIGINT,
    active BOOLEAN NOT NULL DEFAULT TRUE
)""",
    # Constraints every clustering run honours. Rows are never updated: undoing one adds a
    # row with active = false, and the latest row per pair wins.
    """
CREATE TABLE link_constraints (
    record_id_l BIGINT NOT NULL,
    record_id_r BIGINT NOT NULL,
    kind VARCHAR NOT NULL,              -- 'must_link' | 'cannot_link'
    created_at TIMESTAMP NOT NULL,
    event_id BIGINT,
    active BOOLEAN NOT NULL DEFAULT TRUE
)""",
    # Messages to salespeople and channel owners, delivered later.
    """
CREATE TABLE notifications (
    notification_id BIGINT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- 'lead_changed' | 'channel_paused' | 'run_failed' ...
    subject VARCHAR,                    -- lead id, channel name, ...
    message VARCHAR NOT NULL,
    payload VARCHAR,
    event_id BIGINT,
    delivered_at TIMESTAMP
)""",
    # Which lead each record belongs to, as a temporal table kept append-only: the latest row
    # per record (by seq) is its current lead; lead_id NULL means it belongs to none (its
    # import was undone). `membership_spans` shows the same as valid_from / valid_to.
    """
CREATE TABLE membership (
    seq BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    lead_id BIGINT,
    recorded_at TIMESTAMP NOT NULL,
    event_id BIGINT
)""",
    # Field overrides of one lead by a person or a rule; latest row per (lead, field) wins,
    # active = false takes the override away again.
    """
CREATE TABLE edits (
    seq BIGINT NOT NULL,
    lead_id BIGINT NOT NULL,
    field VARCHAR NOT NULL,
    value VARCHAR,
    active BOOLEAN NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    event_id BIGINT,
    actor VARCHAR,
    reason VARCHAR
)""",
    # Every field on which a lead's sources disagreed when it was formed.
    """
CREATE TABLE conflicts (
    lead_id BIGINT NOT NULL,
    field VARCHAR NOT NULL,
    candidates VARCHAR NOT NULL,        -- JSON [{value, record_id, channel, updated_at}]
    winner VARCHAR,
    rule VARCHAR NOT NULL,
    logged_at TIMESTAMP NOT NULL,
    event_id BIGINT
)""",
    # Decisions on proposed clusters, by a person, a pattern or an Excel file.
    """
CREATE TABLE review_decisions (
    decided_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    cluster_id BIGINT NOT NULL,
    signature VARCHAR NOT NULL,         -- the cluster's sorted record ids, 1,5,9
    decision VARCHAR NOT NULL,          -- 'merge' | 'split' | 'not_duplicates' | 'skip'
    leaving VARCHAR,                    -- JSON record ids that leave, for a split
    pattern VARCHAR,
    export_id VARCHAR,                  -- the review file it came from, if any
    event_id BIGINT
)""",
    """
CREATE VIEW current_membership AS
SELECT record_id, arg_max_null(lead_id, seq) AS lead_id
FROM membership GROUP BY record_id""",
    """
CREATE VIEW membership_spans AS
SELECT record_id, lead_id, recorded_at AS valid_from,
       lead(recorded_at) OVER (PARTITION BY record_id ORDER BY seq) AS valid_to, event_id
FROM membership""",
    """
CREATE VIEW current_labels AS
SELECT * FROM (
    SELECT *, row_number() OVER (
        PARTITION BY record_id_l, record_id_r ORDER BY labelled_at DESC, event_id DESC) AS _n
    FROM labels) WHERE _n = 1 AND active""",
    """
CREATE VIEW current_constraints AS
SELECT * FROM (
    SELECT *, row_number() OVER (
        PARTITION BY record_id_l, record_id_r ORDER BY created_at DESC, event_id DESC) AS _n
    FROM link_constraints) WHERE _n = 1 AND active""",
]

QUALITY_DDL: list[str] = [
    # Per-channel threshold of the gate (NULL: the pool's default in meta 'quality_threshold').
    "ALTER TABLE channels ADD COLUMN quality_threshold DOUBLE",
    # Batches up to this id no longer count towards the gate: set when a channel is resumed,
    # so that a resumed channel gets three fresh chances.
    "ALTER TABLE channels ADD COLUMN gate_after_batch BIGINT",
    "ALTER TABLE channels ADD COLUMN status_changed_at TIMESTAMP",
]

EVENTS_DDL: list[str] = [
    # Events from other systems (埋点), one row per event_id: what became of it. An event is
    # applied once; a parked one is tried again by `events retry`.
    """
CREATE TABLE inbound_events (
    event_id VARCHAR NOT NULL,          -- the sender's id
    system VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    occurred_at VARCHAR,
    received_at TIMESTAMP NOT NULL,
    body VARCHAR NOT NULL,              -- the event as sent, unknown fields kept
    status VARCHAR NOT NULL,            -- 'applied' | 'parked' | 'review' | 'ignored' | 'failed'
    rule VARCHAR,
    rule_version INTEGER,
    lead_id BIGINT,
    reason VARCHAR,
    history_events VARCHAR,             -- JSON ids of the history events it wrote
    attempts INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
)""",
    # The automatic rules' switches and settings, versioned: the latest row per rule wins.
    """
CREATE TABLE event_rules (
    name VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL,
    settings VARCHAR,                   -- JSON of the rule's value
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    event_id BIGINT
)""",
    # Per-system intake tokens, only their SHA-256 kept.
    """
CREATE TABLE event_tokens (
    token_sha256 VARCHAR NOT NULL,
    system VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL,
    event_id BIGINT
)""",
    # Where a salesperson's or channel owner's messages go: e-mail, 企业微信 / 钉钉 robot,
    # or a plain JSON webhook. The latest row per (recipient, kind) wins.
    """
CREATE TABLE recipients (
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,              -- 'email' | 'wecom' | 'dingtalk' | 'webhook'
    address VARCHAR NOT NULL,           -- e-mail address or URL
    secret VARCHAR,                     -- DingTalk's signing secret
    active BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL
)""",
    # Every delivery attempt of an outbox message to one address.
    """
CREATE TABLE deliveries (
    notification_id BIGINT NOT NULL,
    recipient VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    address VARCHAR NOT NULL,
    attempt INTEGER NOT NULL,
    tried_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,            -- 'sent' | 'failed' | 'dead'
    error VARCHAR,
    next_try_at TIMESTAMP
)""",
]

ANALYSIS_DDL: list[str] = [
    # What each channel spent per month (元), as a history: every import appends the months
    # whose spend changed; the latest row per (channel, month) by seq is in force.
    """
CREATE TABLE channel_costs (
    seq BIGINT NOT NULL,
    channel VARCHAR NOT NULL,
    month VARCHAR NOT NULL,             -- 'YYYY-MM'
    spend DECIMAL(18, 2) NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    event_id BIGINT,
    source_file VARCHAR,
    source_row INTEGER
)""",
    """
CREATE VIEW current_channel_costs AS
SELECT channel, month, arg_max(spend, seq) AS spend, max(recorded_at) AS recorded_at
FROM channel_costs GROUP BY channel, month""",
    # The computed tags of each lead, as a history of changes: a tag given appends a row with
    # active = true, a tag taken away one with active = false; the latest row per (lead, tag)
    # by seq is in force (`current_lead_tags`).
    """
CREATE TABLE lead_tags (
    seq BIGINT NOT NULL,
    lead_id BIGINT NOT NULL,
    tag VARCHAR NOT NULL,
    active BOOLEAN NOT NULL,
    rule VARCHAR,
    recorded_at TIMESTAMP NOT NULL,
    event_id BIGINT
)""",
    """
CREATE VIEW current_lead_tags AS
SELECT lead_id, tag, rule, recorded_at FROM (
    SELECT *, row_number() OVER (PARTITION BY lead_id, tag ORDER BY seq DESC) AS _n
    FROM lead_tags) WHERE _n = 1 AND active""",
]


def _records_ddl() -> str:
    columns = ",\n    ".join(f"{quote_ident(c)} {t}" for c, t in record_columns().items())
    return f"""
CREATE TABLE records (
    record_id BIGINT PRIMARY KEY,
    batch_id BIGINT NOT NULL,
    source_file VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER,
    entered_by VARCHAR,
    entered_at TIMESTAMP NOT NULL,
    {columns}
)"""


MIGRATIONS: list[list[str]] = [
    # 1: the foundation: records, the sync log, channels and their header mappings, events.
    [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """
CREATE TABLE channels (
    name VARCHAR PRIMARY KEY,
    priority INTEGER NOT NULL DEFAULT 50,
    kind VARCHAR NOT NULL DEFAULT 'third_party',
    owner VARCHAR,
    contact VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active',
    status_reason VARCHAR,
    created_at TIMESTAMP NOT NULL
)""",
        """
CREATE TABLE channel_mappings (
    channel VARCHAR NOT NULL,
    header VARCHAR NOT NULL,
    field VARCHAR NOT NULL,
    saved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (channel, header)
)""",
        """
CREATE TABLE batches (
    batch_id BIGINT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    channel VARCHAR NOT NULL,
    file VARCHAR,
    sheet VARCHAR,
    file_sha256 VARCHAR,
    kind VARCHAR NOT NULL DEFAULT 'file',
    status VARCHAR NOT NULL,
    rows INTEGER NOT NULL DEFAULT 0,
    error_rows INTEGER NOT NULL DEFAULT 0,
    reasons VARCHAR,
    handler VARCHAR,
    quality_score DOUBLE,
    mapping VARCHAR
)""",
        _records_ddl(),
        # Events and re-imports find a record by the channel's own id of the customer.
        "CREATE INDEX records_channel_source_id ON records (channel, source_id)",
        """
CREATE TABLE events (
    event_id BIGINT PRIMARY KEY,
    happened_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    target VARCHAR,
    reason VARCHAR,
    payload VARCHAR,
    undoes BIGINT
)""",
        *LINKAGE_DDL,
        *LEADS_DDL,
        *QUALITY_DDL,
        *EVENTS_DDL,
        *ANALYSIS_DDL,
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def schema_version_sql() -> str:
    """The pool's schema version (one row of text, or none)."""
    return "SELECT value FROM meta WHERE key = 'schema_version'"


def set_schema_version_sql() -> str:
    """Record the schema version `$version` of the pool."""
    return "INSERT OR REPLACE INTO meta VALUES ('schema_version', $version)"


def has_meta_sql() -> str:
    """How many tables named meta there are (0 for a new pool)."""
    return "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
