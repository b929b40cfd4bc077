"""SQL of linkage: model versions, runs, scored pairs and the current clusters."""

from __future__ import annotations

DDL: list[str] = [
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
    gammas VARCHAR                      -- JSON {comparison: level} for explanations
)""",
    # The current cluster of every linked record; cluster ids are stable across runs.
    """
CREATE TABLE clusters (
    record_id BIGINT PRIMARY KEY,
    cluster_id BIGINT NOT NULL,
    run_id BIGINT NOT NULL
)""",
]
