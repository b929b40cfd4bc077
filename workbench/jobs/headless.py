"""The notebooks' unattended steps: what a notebook does when papermill runs it and no person
is there to click. Each writes its results to files in an output folder.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.ingest.importer import commit_batch, prepare_file, saved_mapping, sync_log_row
from workbench.leads.change import ChangeResult
from workbench.leads.lookup import find_leads, recent_events
from workbench.leads.merge import commit_merges
from workbench.leads.restore import lead_history
from workbench.leads.review import export_review
from workbench.linkage.link import dedupe_pool, link_batch
from workbench.linkage.model import load_model
from workbench.linkage.tuning import (
    comparison_levels,
    current_model,
    model_charts,
    pair_labels,
    save_version,
    scored_pairs,
    threshold_summary,
    threshold_table,
    with_overrides,
)
from workbench.privacy.masking import mask_frame
from workbench.store import sql
from workbench.store.pool import Pool, run
from workbench.store.workbook import write_workbook

log = logging.getLogger(__name__)

# The thresholds the tuning notebook tabulates (match probabilities).
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


def import_files(pool: Pool, files: list[tuple[str | Path, str]], out_dir: str | Path, *,
                 link: bool = True) -> pd.DataFrame:
    """Import each (path, channel) as one batch and write the sync-log rows they produced, with
    each file's problems by field, to `out_dir/import_log.xlsx`. Returns the sync-log rows.

    A file already imported into its channel is skipped (its row says which batch it was).

    Example:
        >>> pd.DataFrame({"姓名": ["张伟", "王芳"], "手机号": ["13812345678", "12345"]}
        ...              ).to_excel("展会.xlsx", index=False)
        >>> import_files(pool, [("展会.xlsx", "展会")], "data/runs/today")[["batch_id", "rows"]]
           batch_id  rows
        0         6     2
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows, problems = [], []
    for path, channel in files:
        batch = prepare_file(path, channel=channel, saved_mapping=saved_mapping(pool, channel))
        result = commit_batch(pool, batch)
        if result.skipped:
            rows.append(pd.DataFrame([{"batch_id": result.duplicate_of, "channel": channel,
                                       "file": str(path), "status": "skipped (imported before)"}]))
            continue
        if link and result.imported:
            link_batch(pool, result.batch_id)
        rows.append(sync_log_row(pool, result.batch_id))
        problems.append(batch.problems().assign(batch_id=result.batch_id, file=str(path)))
    if link:
        link_pool_once(pool)
    log_rows = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    write_workbook(out / "import_log.xlsx", {
        "sync log": log_rows,
        "problems": pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(),
    })
    return log_rows


def link_pool_once(pool: Pool):
    """Link the whole pool when it has no linkage model yet (the first import trains one);
    later batches are linked one by one as they land. Returns the LinkResult or None."""
    if not pool.exists():
        return None
    with pool.connect(read_only=True) as con:
        if load_model(con) is not None:
            return None
        has_records = run(con, sql.count_records_sql()).fetchone()[0] > 1
    return dedupe_pool(pool) if has_records else None


def files_to_import(files: list[str] | None = None, channel: str = "") -> list[tuple[Path, str]]:
    """The (path, channel) pairs a notebook run imports: `files` into `channel`, or the bundled
    sample's channel files when `files` is empty.

    Example:
        >>> files_to_import(["展会.xlsx"], "trade_show")
        [(PosixPath('展会.xlsx'), 'trade_show')]
    """
    from workbench.sample import sample_files
    if not files:
        return [(Path(p), c) for p, c in sample_files()]
    if not channel:
        raise InputError(f"No channel given for {', '.join(map(str, files))}.",
                         fix="Set the notebook parameter channel (e.g. -p channel trade_show).")
    return [(Path(f), channel) for f in files]


def review_unattended(pool: Pool, out_dir: str | Path, *,
                      auto_merge_threshold: float | None = 0.99, limit: int | None = None
                      ) -> dict:
    """What the review notebook does when no person is there: merge every cluster that is safe
    at `auto_merge_threshold` (None: merge nothing), then export what is left to review to
    `out_dir/review_queue.xlsx` (for the Excel round-trip) and a summary to
    `out_dir/review_summary.json`.

    Example:
        >>> review_unattended(pool, "data/runs/today", auto_merge_threshold=0.99)
        {'auto_merge_threshold': 0.99, 'merged_clusters': ..., 'merge_event': 11, 'queue': ..., 'review_file': 'data/runs/today/review_queue.xlsx'}
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    merged = ChangeResult("merge", None)
    if auto_merge_threshold is not None:
        merged = commit_merges(pool, float(auto_merge_threshold),
                               reason=f"unattended review: auto-merge at {auto_merge_threshold}")
    path, clusters = export_review(pool, out / "review_queue.xlsx", limit=limit)
    summary = {"auto_merge_threshold": auto_merge_threshold,
               "merged_clusters": merged.clusters, "merge_event": merged.event_id,
               "queue": int(clusters), "review_file": str(path)}
    (out / "review_summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    return summary


def tune_unattended(pool: Pool, out_dir: str | Path, *, threshold: float | None = None,
                    thresholds=DEFAULT_THRESHOLDS, save: bool = False,
                    note: str | None = None) -> dict:
    """What the tuning notebook writes when no person is there: the threshold table
    (`thresholds.xlsx`), Splink's charts as offline HTML (`match_weights.html`,
    `m_u_parameters.html`), the levels and m/u (`levels.xlsx` sheet), and `tuning.json`. With
    `save`, the model is stored again as a new version at `threshold`.

    Example:
        >>> result = tune_unattended(pool, "data/runs/today", threshold=0.9, save=True)
        >>> result["model_version"], result["saved_version"], result["threshold"]
        (1, 2, 0.9)
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = current_model(pool)
    pairs, labels = scored_pairs(pool), pair_labels(pool)
    chosen = model.threshold if threshold is None else float(threshold)
    table = threshold_table(pairs, sorted({*thresholds, chosen}), labels=labels)
    write_workbook(out / "thresholds.xlsx", {"thresholds": table,
                                             "levels": comparison_levels(model)})
    weights_chart, mu_chart = model_charts(model)
    weights_chart.save(str(out / "match_weights.html"), inline=True)
    mu_chart.save(str(out / "m_u_parameters.html"), inline=True)
    version = None
    if save:
        version = save_version(pool, with_overrides(model, {}, threshold=chosen),
                               note=note or f"threshold set to {chosen:g} by an unattended run")
    result = {"model_version": model.version, "saved_version": version, "threshold": chosen,
              "summary": threshold_summary(pairs, chosen, labels=labels)}
    (out / "tuning.json").write_text(json.dumps(result, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    return result


def write_lookup(pool: Pool, query: str, out_dir: str | Path) -> Path:
    """Write the leads found for `query`, the story of each (up to 20) and the recent events
    to `out_dir/leads_lookup.xlsx` (personal data masked); returns the path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    found = find_leads(pool, query)
    stories = [lead_history(pool, int(lead)).assign(lead_id=int(lead))
               for lead in found["lead_id"].head(20)]
    story = pd.concat(stories, ignore_index=True) if stories else pd.DataFrame()
    return write_workbook(out / "leads_lookup.xlsx", {
        "leads": mask_frame(found), "history": story, "recent events": recent_events(pool, 50),
    })


def write_events_report(pool: Pool, events_file: str | Path | None, out_dir: str | Path, *,
                        deliver: bool = False) -> Path:
    """The events notebook's unattended step: with `deliver`, first send what is due in the
    outbox; then write to `out_dir/events_report.xlsx` the rules and their switches, a dry run
    of `events_file` (the bundled sample events when empty; nothing is changed), the recent
    events and their outcomes, the parked and the refused ones, and the outbox with its
    delivery state, personal data masked. Returns the path."""
    from workbench.events.delivery import outbox, send_due
    from workbench.events.intake import Inbox, dry_run, inbox_path
    from workbench.events.intake import recent_events as inbound_events
    from workbench.events.rules import list_rules
    from workbench.privacy.masking import mask_free_text
    from workbench.sample import sample_events
    if deliver:
        log.info("delivered: %s", send_due(pool))
    planned, refused = dry_run(pool, events_file or sample_events())
    refusals = pd.DataFrame([{"line": r.row, "event_id": r.event_id, "field": r.field,
                              "reason": r.reason} for r in refused],
                            columns=["line", "event_id", "field", "reason"])
    messages = outbox(pool, 500)
    messages["message"] = messages["message"].map(mask_free_text)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_workbook(out / "events_report.xlsx", {
        "rules": list_rules(pool), "dry run": planned, "dry run refused": refusals,
        "events": inbound_events(pool, limit=500),
        "parked": inbound_events(pool, limit=500, status="parked"),
        "refused": Inbox(inbox_path(pool)).refusals(500),
        "outbox": messages,
    })
