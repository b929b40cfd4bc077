"""Link records: the whole pool, or one new batch against the pool, into scored pairs and
clusters; and explain a pair for the reviewer.

The whole-pool run (`dedupe_pool`) trains a model when the pool has none, scores every blocked
pair, clusters, and replaces the stored pairs and clusters. The incremental run (`link_batch`),
which the importer calls after each batch, scores only the new records against the pool
(Splink's `predict_between`) and among themselves (`predict_within`), and re-clusters only the
clusters the new links touch: the pool's pairs among themselves are never recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from workbench.errors import LinkageError
from workbench.linkage import sql
from workbench.linkage.calibration import Calibration, choose_threshold
from workbench.linkage.cluster import assign_stable_ids, cluster_pairs
from workbench.linkage.model import (
    LinkageModel,
    blocking_counts,
    load_model,
    load_table,
    make_linker,
    prepare_link_input,
    save_model,
    splink_connection,
    train_model,
)
from workbench.store import sql as store_sql
from workbench.store.pool import Pool, run
from workbench.store.schema import LINK_FEATURES_DDL

log = logging.getLogger(__name__)

# Pairs scored below this weight are kept out of the pool: they are clearly different people
# and only the clustering of the same run needs them.
STORE_MIN_WEIGHT = -8.0


@dataclass
class LinkResult:
    """What a linkage run did: the whole pool, one batch, or a file (`dedupe_file`)."""

    run_id: int  # 0 for a file, or when nothing was linked
    kind: str  # 'full' | 'incremental' | 'file'
    model_version: int
    threshold: float
    threshold_kind: str
    records: int
    pairs_scored: int
    links: int  # pairs at or above the threshold
    clusters: int  # clusters written (all of them for a full run, the touched ones otherwise)
    duplicates: int  # records in a cluster with another record
    trained: bool = False
    batch_id: int | None = None
    seconds: float = 0.0
    blocking: list[dict] = field(default_factory=list)
    out: Path | None = None  # a file's clusters, as written
    pairs_out: Path | None = None  # a file's scored pairs, as written
    skipped: str | None = None  # why nothing was linked (no model yet), else None
    calibration: dict | None = None  # how the threshold was chosen (`Calibration.to_dict`)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.skipped:
            return f"未匹配 not linked: {self.skipped}"
        if self.kind == "file":
            pairs = f" and {self.pairs_scored} scored pairs to {self.pairs_out}" \
                if self.pairs_out else ""
            return (f"{self.records} rows in {self.clusters} clusters ({self.duplicates} rows "
                    f"have a duplicate); wrote {self.out}{pairs} in {self.seconds:.1f} s.")
        what = "the whole pool" if self.kind == "full" else f"batch {self.batch_id}"
        trained = f", trained model v{self.model_version}" if self.trained else ""
        return (
            f"Linked {what}: {self.records} records, {self.pairs_scored} pairs scored, "
            f"{self.links} links at {self.threshold_kind} {self.threshold:g}, {self.clusters} "
            f"clusters, {self.duplicates} records with a duplicate ({self.seconds:.1f} s"
            f"{trained}, model v{self.model_version})."
            + (f"\n{Calibration(**self.calibration).summary()}" if self.calibration else "")
        )


# --- reading from the pool -------------------------------------------------------------------

def _record_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    cols = {r[0] for r in run(con, sql.describe_sql("records")).fetchall()}
    return [c for c in sql.LINK_SOURCE_COLUMNS if c in cols]


def _constraints(con: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    rows = run(con, sql.active_constraints_sql()).fetchall()
    must = [(a, b) for a, b, kind in rows if kind == "must_link"]
    cannot = [(a, b) for a, b, kind in rows if kind == "cannot_link"]
    return must, cannot


def _labels(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return run(con, sql.active_labels_sql()).df()


def _previous_clusters(con: duckdb.DuckDBPyConnection, touching=None) -> pd.Series:
    """record id -> current cluster id: of every record, or of every member of the clusters
    that the records in `touching` (ids) are in."""
    if touching is None:
        frame = run(con, sql.current_clusters_sql()).df()
    else:
        con.register("wb_touching_df", pd.DataFrame({"record_id": sorted(touching)},
                                                    dtype="int64"))
        try:
            frame = run(con, sql.clusters_touching_sql("wb_touching_df")).df()
        finally:
            con.unregister("wb_touching_df")
    return pd.Series(frame["cluster_id"].to_numpy(), index=frame["record_id"].to_numpy())


# --- scoring -----------------------------------------------------------------------------------

def _scored_pairs(
    mem: duckdb.DuckDBPyConnection, table: str, model: LinkageModel, run_id: int
) -> None:
    """Turn Splink's predictions in `table` into `wb_pairs` (smaller id left, with the
    explanation columns)."""
    columns = {r[0] for r in run(mem, sql.describe_sql(table)).fetchall()}
    comparisons = model.settings["comparisons"]
    run(mem, sql.scored_pairs_sql(table, run_id, sql.gammas_json_sql(comparisons),
                                  sql.weights_json_sql(comparisons, columns)))


def _tf_columns(model: LinkageModel) -> list[str]:
    return sorted({
        lv["tf_adjustment_column"]
        for comp in model.settings["comparisons"] for lv in comp["comparison_levels"]
        if lv.get("tf_adjustment_column")
    })


def _register_tf_tables(linker, mem: duckdb.DuckDBPyConnection, model,
                        tables: dict | None = None) -> None:
    """Term frequencies from the whole pool, so a batch is scored as the full run scores it:
    `tables` (column -> lookup frame, computed in the pool), or counted over `link_input`."""
    db_api = linker._db_api
    for col in _tf_columns(model):
        name = f"wb_tf_{col}"
        if tables is None:
            run(mem, sql.term_frequency_table_sql(name, col))
        else:
            load_table(mem, name, tables[col])
        frame = db_api.register(name, table_name=f"{name}_{id(linker)}")
        linker.table_management.register_term_frequency_lookup(frame, col)


def clustering_inputs(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, features: str,
                      threshold_weight: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`pairs` with a `tie` column (a personal identifier agrees) on its links, and the name
    parts of the records the links join, both read from `features` in `con`: what
    `cluster_pairs` needs to keep clearly different names apart."""
    strong = pairs.loc[pairs["match_weight"] >= threshold_weight, ["id_l", "id_r"]]
    ids = pd.DataFrame({"record_id": pd.unique(strong[["id_l", "id_r"]].to_numpy().ravel())})
    con.register("wb_strong_pairs", strong)
    con.register("wb_strong_ids", ids)
    try:
        ties = run(con, sql.ties_sql("wb_strong_pairs", features)).df()
        names = run(con, sql.name_parts_of_sql("wb_strong_ids", features)).df()
    finally:
        con.unregister("wb_strong_pairs")
        con.unregister("wb_strong_ids")
    merged = pairs.merge(ties, on=["id_l", "id_r"], how="left")
    merged["tie"] = merged["tie"].astype("boolean").fillna(False).astype(bool)
    return merged, names.set_index("unique_id")


# --- whole pool --------------------------------------------------------------------------------

def dedupe_pool(
    pool: Pool,
    *,
    threshold: float | None = None,
    min_weight: float | None = None,
    retrain: bool = False,
    seed: int = 42,
    progress: bool = False,
) -> LinkResult:
    """Link every record of the pool: train a model if there is none, score all blocked pairs,
    cluster, and store pairs and clusters (cluster ids stay stable across runs).

    Args:
        pool: the lead pool.
        threshold: link at this match probability (0 < p < 1) instead of the model's threshold.
        min_weight: or link at this match weight instead (not both).
        retrain: train a new model version even if one exists (uses reviewers' labels).
        seed: training seed; the same pool and seed give the same model.
        progress: show progress bars.

    Returns:
        A `LinkResult`; `.summary()` is one line for a person.

    Example:
        result = dedupe_pool(Pool("data/leadpool.duckdb"))  # the sample pool keeps its model
        result.kind, result.records, result.trained, result.model_version
        ('full', 2478, False, 1)
        print(result.summary())
        Linked the whole pool: 2478 records, 3639 pairs scored, 1379 links at probability 0.5, ...
    """
    started = time.perf_counter()
    started_at = dt.datetime.now()
    with pool.connect() as con:
        columns = _record_columns(con)
        records = con.sql(sql.linkable_records_sql(columns)).to_arrow_table()
        model = None if retrain else load_model(con)
        labels = _labels(con)
        must, cannot = _constraints(con)
    if records.num_rows == 0:
        raise LinkageError(
            f"The pool '{pool.path}' has no records to link. Import a file first "
            "(`workbench import FILE --channel NAME`)."
        )
    mem = splink_connection()
    try:
        load_table(mem, "wb_records", records)
        prepare_link_input(mem, "wb_records", id_column="record_id")
        trained = model is None
        if trained:
            model = train_model(mem, seed=seed, labels=labels)
        model = model.with_threshold(threshold, min_weight)
        linker = make_linker(mem, model.settings)
        blocking = blocking_counts(linker)
        for row in blocking.itertuples(index=False):
            log.info("blocking rule %s: %d comparisons", row[0], row[1])
        predictions = linker.inference.predict()
        run_id_hint = 0
        _scored_pairs(mem, predictions.physical_name, model, run_id_hint)
        pairs = run(mem, sql.run_pairs_sql()).df()
        calibration = None
        if trained and threshold is None and min_weight is None:
            # A new model's threshold is chosen on the pool it was trained on, and kept.
            calibration = choose_threshold(pairs["match_probability"].to_numpy(),
                                           model.threshold, labels=_scored_labels(pairs, labels))
            model = model.with_threshold(calibration.threshold)
            model.training["calibration"] = calibration.to_dict()
        ids = run(mem, sql.link_input_ids_sql()).df()["unique_id"]
        pairs, names = clustering_inputs(mem, pairs, "link_input", model.threshold_weight)
        keys = cluster_pairs(ids, pairs, model.threshold_weight, must_link=must,
                             cannot_link=cannot, names=None if model.person_file else names, progress=progress)
        with pool.transaction() as con:
            if trained:
                save_model(con, model, note="trained by a whole-pool run")
            run_id = run(con, sql.next_run_id_sql()).fetchall()[0][0]
            previous = _previous_clusters(con)
            cluster_ids = assign_stable_ids(keys, previous)
            clusters = pd.DataFrame({"record_id": cluster_ids.index.astype("int64"),
                                     "cluster_id": cluster_ids.to_numpy(), "run_id": run_id})
            stored = mem.sql(sql.pairs_to_store_sql(run_id, STORE_MIN_WEIGHT)).to_arrow_table()
            run(con, sql.delete_all_pairs_sql())
            con.register("wb_stored_pairs", stored)
            run(con, sql.insert_pairs_sql("wb_stored_pairs"))
            con.unregister("wb_stored_pairs")
            _store_features(con, mem, "link_input", replace=True)
            run(con, sql.delete_all_clusters_sql())
            con.register("wb_clusters", clusters)
            run(con, sql.replace_clusters_sql("wb_clusters"))
            con.unregister("wb_clusters")
            links = int((pairs["match_weight"] >= model.threshold_weight).sum())
            n_clusters = int(clusters["cluster_id"].nunique())
            run(con, sql.insert_run_sql(), {
                "run_id": run_id, "started_at": started_at, "kind": "full",
                "model_version": model.version, "threshold": model.threshold,
                "batch_id": None, "pairs": len(pairs), "clusters": n_clusters})
    finally:
        mem.close()
    sizes = clusters["cluster_id"].map(clusters["cluster_id"].value_counts())
    return LinkResult(
        run_id=int(run_id), kind="full", model_version=int(model.version),
        threshold=model.threshold, threshold_kind=model.threshold_kind,
        records=len(clusters), pairs_scored=len(pairs), links=links, clusters=n_clusters,
        duplicates=int((sizes > 1).sum()), trained=trained,
        seconds=time.perf_counter() - started, blocking=blocking.to_dict("records"),
        calibration=model.training.get("calibration"),
    )


def _scored_labels(pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame | None:
    """Reviewers' labels on scored pairs, with the pair's match probability."""
    if labels is None or not len(labels):
        return None
    return labels.merge(pairs[["id_l", "id_r", "match_probability"]], on=["id_l", "id_r"])


def _store_features(con, mem, table: str, *, replace: bool) -> None:
    """Keep the linkage input of the records in `table` (of `mem`) in the pool (all of them
    when `replace`)."""
    rows = mem.sql(sql.feature_rows_sql(table)).to_arrow_table()
    con.register("wb_features", rows)
    if replace:
        # Made again, not emptied: a pool from an older version gets today's columns.
        run(con, sql.drop_features_sql())
        run(con, LINK_FEATURES_DDL)
        generic = mem.sql(sql.generic_rows_sql("wb_generic_values")).to_arrow_table()
        con.register("wb_generic", generic)
        run(con, sql.delete_generic_values_sql())
        run(con, sql.replace_generic_values_sql("wb_generic"))
        con.unregister("wb_generic")
    else:
        run(con, sql.delete_features_of_sql("wb_features"))
    run(con, sql.insert_features_sql("wb_features"))
    con.unregister("wb_features")


@dataclass
class BatchInput:
    """What a batch is linked with, read from the pool."""

    link_input: pa.Table  # the batch's records and the pool records they can pair with
    term_frequencies: dict[str, pa.Table]  # column -> Splink's lookup, over the whole pool
    regeneric: pa.Table  # pool records prepared again: the batch made a value of theirs generic
    newly_generic: pa.Table  # field, value, names: the generic values the batch adds


def _store_generic(con: duckdb.DuckDBPyConnection, batch_input: BatchInput) -> None:
    """Keep the generic values the batch added, and the pool records they changed, so that
    the next batch starts where a whole run would."""
    con.register("wb_regeneric_rows", batch_input.regeneric)
    run(con, sql.update_features_sql("wb_regeneric_rows"))
    con.unregister("wb_regeneric_rows")
    con.register("wb_newly_generic_rows", batch_input.newly_generic)
    run(con, sql.add_generic_values_sql("wb_newly_generic_rows"))
    con.unregister("wb_newly_generic_rows")


def _batch_link_input(
    con: duckdb.DuckDBPyConnection, batch_id: int, columns: list[str], model: LinkageModel
) -> BatchInput:
    """The linkage input a batch needs, prepared inside the pool: the batch's records and the
    pool records that share a blocking key with one of them; and the term frequencies of
    their values over the whole pool.

    The rows are those a whole run over pool and batch would make: a contact value is generic
    when the stored list holds it or when the records that give it (pool and batch) carry
    three names, and pool records with a value the batch made generic are prepared again;
    name blocks are capped, and term frequencies counted, over pool and batch together. Pool
    records that share no blocking key with the batch cannot pair with it and stay in the file.
    """
    from workbench.linkage.model import GENERIC_MIN_NAMES, MAX_NAME_BLOCK, source_projection
    started = time.perf_counter()

    def done(step: str) -> None:
        log.info("batch %s: %s at %.1f s", batch_id, step, time.perf_counter() - started)

    run(con, sql.batch_table_sql(), {"batch_id": batch_id})
    run(con, sql.left_out_sql())
    run(con, sql.batch_records_sql(columns), {"batch_id": batch_id})
    projection = source_projection(["record_id", *columns], "record_id")
    run(con, sql.link_source_view_sql(projection, "wb_batch_records"))
    # Generic values as a whole run finds them: the stored list, and the batch's values
    # counted again over every record that gives them.
    run(con, sql.batch_values_sql())
    run(con, sql.givers_sql(projection))
    run(con, sql.generic_source_view_sql())
    run(con, sql.generic_values_sql("wb_generic_source", GENERIC_MIN_NAMES))
    run(con, sql.newly_generic_sql())
    run(con, sql.batch_generic_values_sql())
    run(con, sql.batch_link_input_sql())
    # Pool records that give a value the batch made generic are prepared again.
    run(con, sql.regeneric_source_view_sql())
    run(con, sql.regeneric_sql())
    run(con, sql.pool_features_sql())
    # The columns that name blocks and term frequencies are counted on, of pool and batch
    # together: read out of the file once.
    tf_columns = _tf_columns(model)
    counted = ", ".join(dict.fromkeys(["name_key", "city", "company_core", *tf_columns]))
    run(con, sql.everything_sql(counted))
    run(con, sql.batch_capped_sql(MAX_NAME_BLOCK))
    done("batch prepared")
    # A pool record shares a capped name block with the batch when its uncapped key is one
    # the batch keeps.
    run(con, sql.candidate_ids_table_sql(_blocking_columns(model)))
    done("pool records sharing a key found")
    run(con, sql.batch_with_candidates_sql(MAX_NAME_BLOCK))
    link_input = con.sql(sql.table_rows_sql("wb_link_input")).to_arrow_table()
    done("name blocks capped")
    totals = run(con, sql.value_totals_sql(tf_columns)).fetchall()[0] if tf_columns else ()
    tf = {col: con.sql(sql.batch_term_frequencies_sql(col, total)).to_arrow_table()
          for col, total in zip(tf_columns, totals, strict=True)}
    done("term frequencies counted")
    return BatchInput(
        link_input=link_input, term_frequencies=tf,
        regeneric=con.sql(sql.table_rows_sql("wb_regeneric")).to_arrow_table(),
        newly_generic=con.sql(sql.generic_rows_sql("wb_newly_generic")).to_arrow_table(),
    )


def _blocking_columns(model: LinkageModel) -> list[list[tuple[str, str]]]:
    """Per blocking rule of the model, its (left column, right column) equalities."""
    rules = []
    for rule in model.settings.get("blocking_rules_to_generate_predictions", []):
        text = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
        equalities = []
        for part in text.split(" AND "):
            left, _, right = part.partition("=")
            left, right = left.strip(), right.strip()
            if left.startswith("l.") and right.startswith("r."):
                equalities.append((left[2:], right[2:]))
        if equalities:
            rules.append(equalities)
    return rules


# --- one batch ----------------------------------------------------------------------------------

def link_batch(pool: Pool, batch_id: int, *, threshold: float | None = None,
               min_weight: float | None = None) -> LinkResult:
    """Link one imported batch against the pool and within itself, and update the clusters
    it touches. The importer calls this after a batch lands.

    Only the batch's records are scored (against the pool with Splink's `predict_between`,
    among themselves with `predict_within`); the pool's own pairs are not recomputed. Clusters
    that a new record joins are re-clustered with their stored pairs and keep their ids.

    Args:
        pool: the lead pool.
        batch_id: the batch that was just imported.
        threshold: link at this match probability (0 < p < 1) instead of the model's.
        min_weight: or link at this match weight instead (not both).

    Returns:
        A `LinkResult`; with zeros when the batch has no records to link, and with `skipped`
        saying why when the pool has no trained model yet (run `workbench dedupe` once).

    Example:
        >>> from workbench.ingest.importer import add_record
        >>> batch = add_record(pool, "线下门店", {"name": "刘芳", "phone": "131 1284 1754"})
        >>> result = link_batch(pool, batch.batch_id)  # 刘芳: records 5 and 705 of the sample
        >>> result.kind, result.records, result.links, result.duplicates
        ('incremental', 1, 2, 1)
    """
    started = time.perf_counter()
    started_at = dt.datetime.now()
    with pool.connect() as con:
        model = load_model(con)
        if model is None:
            log.info("no linkage model in the pool; batch %s not linked", batch_id)
            return LinkResult(0, "incremental", 0, float("nan"), "probability", 0, 0, 0, 0, 0,
                              batch_id=batch_id, skipped="no linkage model yet; run "
                              "`workbench dedupe` once to train one")
        columns = _record_columns(con)
        batch_ids = run(con, sql.batch_record_ids_sql(), {"batch_id": batch_id}).df()["record_id"]
        stored = run(con, store_sql.count_rows_sql("link_features")).fetchall()[0][0]
        must, cannot = _constraints(con)
        batch_input = records = None
        if len(batch_ids) and stored:
            # The pool's linkage input was kept by the last run: prepare only the batch, and
            # read only the pool records it can pair with.
            batch_input = _batch_link_input(con, batch_id, columns, model)
        elif len(batch_ids):
            records = con.sql(sql.linkable_records_sql(columns)).to_arrow_table()
    model = model.with_threshold(threshold, min_weight)
    if len(batch_ids) == 0:
        return LinkResult(0, "incremental", int(model.version), model.threshold,
                          model.threshold_kind, 0, 0, 0, 0, 0, batch_id=batch_id,
                          seconds=time.perf_counter() - started)
    mem = splink_connection()
    try:
        load_table(mem, "wb_batch_ids", pd.DataFrame({"record_id": batch_ids.astype("int64")}))
        if batch_input is None:
            load_table(mem, "wb_records", records)
            prepare_link_input(mem, "wb_records", id_column="record_id")
        else:
            load_table(mem, "link_input", batch_input.link_input)
        log.info("batch %s: link input of %d records at %.1f s", batch_id,
                 run(mem, store_sql.count_rows_sql("link_input")).fetchall()[0][0],
                 time.perf_counter() - started)
        run(mem, sql.new_link_input_sql())
        # Only pool records that share a blocking key with the batch can pair with it: score
        # against those, not against the whole pool.
        run(mem, sql.candidates_sql("link_input", "li_new", _blocking_columns(model)))
        linker = make_linker(mem, model.settings)
        _register_tf_tables(linker, mem, model,
                            batch_input.term_frequencies if batch_input else None)
        log.info("batch %s: candidates and term frequencies at %.1f s", batch_id,
                 time.perf_counter() - started)
        db_api = linker._db_api
        new = db_api.register("li_new", table_name="wb_li_new")
        old = db_api.register("li_old", table_name="wb_li_old")
        parts = [linker.inference.predict_within(new, warning_mode="never")]
        if run(mem, store_sql.count_rows_sql("li_old")).fetchall()[0][0]:
            parts.append(linker.inference.predict_between(old, new, warning_mode="never"))
        run(mem, sql.predictions_union_sql([p.physical_name for p in parts]))
        _scored_pairs(mem, "wb_predictions", model, 0)
        new_pairs = run(mem, sql.run_pair_weights_sql()).df()
        log.info("batch %s: %d pairs scored at %.1f s", batch_id, len(new_pairs),
                 time.perf_counter() - started)
        with pool.transaction() as con:
            run_id = run(con, sql.next_run_id_sql()).fetchall()[0][0]
            # Records whose clusters the batch touches: the batch, and every member of a
            # cluster that a new record links to.
            strong = new_pairs[new_pairs["match_weight"] >= model.threshold_weight]
            touched = set(batch_ids.tolist()) | set(strong["id_l"]) | set(strong["id_r"])
            previous = _previous_clusters(con, touched)
            affected = pd.Index(sorted(touched | set(previous.index.tolist())))
            con.register("wb_affected_df", pd.DataFrame({"record_id": affected.astype("int64")}))
            run(con, sql.affected_table_sql("wb_affected_df"))
            con.unregister("wb_affected_df")
            old_pairs = run(con, sql.pairs_among_sql("wb_affected")).df()
            # Ties and names: the batch's records are in the linkage input, the pool's in the
            # kept features.
            old_pairs, old_names = clustering_inputs(con, old_pairs, "link_features",
                                                     model.threshold_weight)
            new_pairs, new_names = clustering_inputs(mem, new_pairs, "link_input",
                                                     model.threshold_weight)
            pairs = pd.concat([old_pairs, new_pairs], ignore_index=True).sort_values(
                ["id_l", "id_r"], kind="stable", ignore_index=True)
            # In one order whatever order the queries gave: ties between equal weights
            # break the same way in every run.
            names = pd.concat([old_names, new_names])
            names = names[~names.index.duplicated()]
            keys = cluster_pairs(affected, pairs, model.threshold_weight, names=None if model.person_file else names,
                                 must_link=[m for m in must if m[0] in affected and m[1] in affected],
                                 cannot_link=cannot)
            next_id = run(con, sql.max_cluster_id_sql()).fetchall()[0][0] + 1
            cluster_ids = assign_stable_ids(keys, previous, next_id)
            clusters = pd.DataFrame({"record_id": cluster_ids.index.astype("int64"),
                                     "cluster_id": cluster_ids.to_numpy(), "run_id": run_id})
            stored = mem.sql(sql.pairs_to_store_sql(run_id, STORE_MIN_WEIGHT)).to_arrow_table()
            con.register("wb_stored_pairs", stored)
            run(con, sql.insert_pairs_sql("wb_stored_pairs"))
            con.unregister("wb_stored_pairs")
            if batch_input is None:
                _store_features(con, mem, "link_input", replace=True)
            else:
                _store_features(con, mem, "li_new", replace=False)
                _store_generic(con, batch_input)
            con.register("wb_clusters", clusters)
            run(con, sql.delete_clusters_of_sql("wb_clusters"))
            run(con, sql.replace_clusters_sql("wb_clusters"))
            con.unregister("wb_clusters")
            run(con, sql.drop_table_sql("wb_affected"))
            n_clusters = int(clusters["cluster_id"].nunique())
            run(con, sql.insert_run_sql(), {
                "run_id": run_id, "started_at": started_at, "kind": "incremental",
                "model_version": model.version, "threshold": model.threshold,
                "batch_id": batch_id, "pairs": len(new_pairs), "clusters": n_clusters})
    finally:
        mem.close()
    in_batch = clusters[clusters["record_id"].isin(batch_ids)]
    sizes = clusters["cluster_id"].map(clusters["cluster_id"].value_counts())
    dup = int((sizes[clusters["record_id"].isin(batch_ids).to_numpy()] > 1).sum())
    return LinkResult(
        run_id=int(run_id), kind="incremental", model_version=int(model.version),
        threshold=model.threshold, threshold_kind=model.threshold_kind,
        records=len(in_batch), pairs_scored=len(new_pairs), links=len(strong),
        clusters=n_clusters, duplicates=dup, batch_id=batch_id,
        seconds=time.perf_counter() - started,
    )


# --- explanations -------------------------------------------------------------------------------

def explain_pair(pool: Pool, record_id_l: int, record_id_r: int) -> pd.DataFrame:
    """Which fields agreed or disagreed for a stored pair, and how much each moved the weight.

    Returns:
        One row per comparison: comparison, level (its label, e.g. 'same mobile'), weight
        (log2 Bayes factor, term frequency included; positive = evidence for a match), and
        verdict ('agrees', 'disagrees', 'missing'). The frame's attrs carry match_weight and
        match_probability.

    Example:
        explain_pair(pool, 5, 705).head(3)
          comparison        level  weight  verdict
        0       name   exact name    7.63   agrees
        1      phone  same mobile   26.38   agrees
        2      email         null    0.00  missing
    """
    with pool.connect(read_only=True) as con:
        rows = run(con, sql.pair_sql(), {"id_l": record_id_l, "id_r": record_id_r}).fetchall()
        if not rows:
            raise LinkageError(
                f"The pair ({record_id_l}, {record_id_r}) has not been scored. Run `workbench "
                "dedupe`, or check that both records are in the pool and were blocked together."
            )
        weight, probability, gammas, weights, run_id = rows[0]
        model_row = run(con, sql.run_model_version_sql(), {"run_id": run_id}).fetchall()
        model = load_model(con, model_row[0][0] if model_row and model_row[0][0] else None)
    gammas = json.loads(gammas or "{}")
    weights = json.loads(weights or "{}")
    out = []
    for comp in model.settings["comparisons"]:
        name = comp["output_column_name"]
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        gamma = gammas.get(name, -1)
        label = "null" if gamma is None or gamma < 0 else \
            levels[len(levels) - 1 - gamma].get("label_for_charts", str(gamma))
        w = float(weights.get(name, 0.0) or 0.0)
        verdict = "missing" if label == "null" else ("agrees" if w > 0 else "disagrees")
        out.append({"comparison": name, "level": label, "weight": round(w, 2),
                    "verdict": verdict})
    frame = pd.DataFrame(out)
    frame.attrs.update(match_weight=weight, match_probability=probability)
    return frame


def cluster_explanations(pool: Pool, record_ids) -> pd.DataFrame:
    """Why the weakest pair of the cluster scored as it did: one row per comparison."""
    from workbench.linkage.link import explain_pair
    with pool.connect(read_only=True) as con:
        pairs = run(con, sql.cluster_pairs_sql(),
                    {"record_ids": [int(r) for r in record_ids]}).df()
    if pairs.empty:
        return pd.DataFrame(columns=["comparison", "level", "weight", "verdict"])
    weakest = pairs.iloc[0]
    frame = explain_pair(pool, int(weakest.record_id_l), int(weakest.record_id_r))
    frame.attrs["pair"] = (int(weakest.record_id_l), int(weakest.record_id_r))
    return frame
